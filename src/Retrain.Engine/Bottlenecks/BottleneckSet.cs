namespace Retrain.Bottlenecks;

/// <summary>
/// Bottleneck vectors for a list of images, in the list's order. <see cref="Available"/> is false for images that
/// could not be read or decoded; their slots are zero and must not be trained on. <see cref="Imported"/> counts the
/// vectors taken from retrain.py's own cache files (<see cref="RetrainPyBottlenecks"/>).
/// The vectors can be handed over once (<see cref="TakeVectors"/>): the split reuses their one array for its parts
/// rather than doubling it (100k images x 2048 floats), so afterwards the set's vectors can no longer be read; its
/// counts and failures still can.
/// </summary>
internal sealed class BottleneckSet(
    int vectorLength,
    float[] vectors,
    bool[] available,
    int computed,
    int reused,
    IReadOnlyList<ImageFailure> failures,
    int imported = 0)
{
    private float[]? _vectors = vectors;
    private bool[]? _available = available;

    public int VectorLength { get; } = vectorLength;

    /// <exception cref="InvalidOperationException">After <see cref="TakeVectors"/>.</exception>
    public float[] Vectors => _vectors ?? throw Taken();

    /// <exception cref="InvalidOperationException">After <see cref="TakeVectors"/>.</exception>
    public bool[] Available => _available ?? throw Taken();

    public int Computed { get; } = computed;

    public int Reused { get; } = reused;

    public IReadOnlyList<ImageFailure> Failures { get; } = failures;

    public int Imported { get; } = imported;

    public ReadOnlySpan<float> Vector(int index) => Vectors.AsSpan(index * VectorLength, VectorLength);

    /// <summary>
    /// Hands the vector array and the availability over to the caller, which may then change them; the set no longer
    /// reads them (<see cref="Vectors"/>, <see cref="Available"/> and <see cref="Vector"/> throw from now on).
    /// </summary>
    /// <exception cref="InvalidOperationException">When they were handed over already.</exception>
    public (float[] Vectors, bool[] Available) TakeVectors()
    {
        var taken = (Vectors, Available);
        (_vectors, _available) = (null, null);
        return taken;
    }

    private static InvalidOperationException Taken() =>
        new("The bottleneck vectors were handed over (to the dataset split) and belong to it now.");
}
