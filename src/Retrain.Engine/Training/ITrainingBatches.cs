namespace Retrain.Training;

/// <summary>
/// Where each training step's batch comes from: the cached vectors (<see cref="CachedBatches"/>, retrain.py's
/// <c>get_random_cached_bottlenecks</c>) or freshly distorted photos run through the backbone
/// (<c>Distortions.DistortedBatches</c>, its <c>get_random_distorted_bottlenecks</c>).
/// </summary>
internal interface ITrainingBatches
{
    /// <summary>The most rows one batch holds.</summary>
    int MaxRows { get; }

    /// <summary>
    /// Step <paramref name="step"/>'s batch: writes its row indices into <paramref name="rows"/>, sets
    /// <paramref name="count"/>, and returns the vectors those rows index (valid until the next call).
    /// </summary>
    LabeledVectors Next(int step, Random rng, Span<int> rows, out int count, CancellationToken ct);

    /// <summary>Makes whatever draws from <paramref name="rng"/> step <paramref name="step"/> would have made (resume).</summary>
    void Skip(int step, Random rng, Span<int> rows);
}
