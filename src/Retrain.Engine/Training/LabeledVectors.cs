namespace Retrain.Training;

/// <summary>
/// One dataset part held in memory: a bottleneck vector, a class index and the image path per image. Vectors are
/// stored row-major in one array so batches can be read without copying. The order is the order a whole-part batch
/// (batch size -1) uses; retrain.py's is class by class, then image list order (see <c>ImageLists.Images</c>).
/// </summary>
internal sealed class LabeledVectors
{
    private readonly ReadOnlyMemory<float> _vectors;

    public LabeledVectors(int vectorLength, float[] vectors, int[] labels, string[] paths)
        : this(vectorLength, (ReadOnlyMemory<float>)(vectors ?? throw new ArgumentNullException(nameof(vectors))), labels, paths)
    {
    }

    /// <summary>Vectors held in a slice of a larger array (the parts of one bottleneck pass share its array).</summary>
    public LabeledVectors(int vectorLength, ReadOnlyMemory<float> vectors, int[] labels, string[] paths)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vectorLength);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(paths);
        if (vectors.Length != (long)labels.Length * vectorLength)
        {
            throw new ArgumentException(
                $"Expected {labels.Length} vectors of length {vectorLength} ({(long)labels.Length * vectorLength} floats), got {vectors.Length} floats.",
                nameof(vectors));
        }

        if (paths.Length != labels.Length)
        {
            throw new ArgumentException($"Expected {labels.Length} paths, got {paths.Length}.", nameof(paths));
        }

        if (labels.Any(label => label < 0))
        {
            throw new ArgumentException("Class indices must not be negative.", nameof(labels));
        }

        VectorLength = vectorLength;
        _vectors = vectors;
        Labels = labels;
        Paths = paths;
    }

    public int Count => Labels.Length;

    /// <summary>All vectors, row-major, for the SIMD kernels that index rows themselves.</summary>
    internal ReadOnlySpan<float> AllVectors => _vectors.Span;

    public int VectorLength { get; }

    public int[] Labels { get; }

    public string[] Paths { get; }

    /// <summary>A part with no images but the given vector length (an empty validation or test part).</summary>
    public static LabeledVectors Empty(int vectorLength) => new(vectorLength, [], [], []);

    public ReadOnlySpan<float> Vector(int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Count);
        return _vectors.Span.Slice(i * VectorLength, VectorLength);
    }
}
