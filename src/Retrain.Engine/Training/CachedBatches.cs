namespace Retrain.Training;

/// <summary>Batches drawn from the cached training vectors with the trainer's generator (retrain.py's default).</summary>
internal sealed class CachedBatches(LabeledVectors training, int classCount, int batchSize) : ITrainingBatches
{
    private readonly BatchSampler _sampler = new(training, classCount);

    public int MaxRows => _sampler.BatchLength(batchSize);

    public LabeledVectors Next(int step, Random rng, Span<int> rows, out int count, CancellationToken ct)
    {
        count = _sampler.Next(batchSize, rng, rows);
        return training;
    }

    public void Skip(int step, Random rng, Span<int> rows) => _sampler.Next(batchSize, rng, rows);
}
