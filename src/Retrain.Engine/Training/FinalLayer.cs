using System.Buffers;

namespace Retrain.Training;

/// <summary>
/// The layer retrain.py's <c>add_final_retrain_ops</c> adds on top of the bottleneck: <c>softmax(xW + b)</c>. Weights
/// keep TF's [bottleneckSize, classCount] layout so exporters can write them as the MatMul constant unchanged.
/// </summary>
public sealed class FinalLayer
{
    /// <summary>retrain.py's initial weight spread: tf.truncated_normal(stddev=0.001).</summary>
    public const double InitialWeightStddev = 0.001;

    /// <summary>New layer: weights from a truncated normal (stddev 0.001, redrawn beyond 2 stddev), biases zero.</summary>
    public FinalLayer(int bottleneckSize, int classCount, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bottleneckSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        ArgumentNullException.ThrowIfNull(rng);
        BottleneckSize = bottleneckSize;
        ClassCount = classCount;
        Weights = new float[checked(bottleneckSize * classCount)];
        Biases = new float[classCount];
        TruncatedNormal.Fill(Weights, InitialWeightStddev, rng);
    }

    /// <summary>A layer with given values (e.g. read back from a saved graph); the arrays are used, not copied.</summary>
    public FinalLayer(int bottleneckSize, int classCount, float[] weights, float[] biases)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bottleneckSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        if (weights.Length != (long)bottleneckSize * classCount || biases.Length != classCount)
        {
            throw new ArgumentException(
                $"Expected {bottleneckSize}x{classCount} weights and {classCount} biases, got {weights.Length} and {biases.Length}.");
        }

        BottleneckSize = bottleneckSize;
        ClassCount = classCount;
        Weights = weights;
        Biases = biases;
    }

    public int BottleneckSize { get; }

    public int ClassCount { get; }

    /// <summary>[BottleneckSize, ClassCount] row-major: the layout of TF's MatMul(bottleneck, weights).</summary>
    public float[] Weights { get; }

    public float[] Biases { get; }

    /// <summary>
    /// Class probabilities for <paramref name="count"/> bottleneck vectors stored row-major; writes
    /// count x ClassCount values, row-major, into <paramref name="probabilities"/>.
    /// </summary>
    public void Predict(ReadOnlySpan<float> bottlenecks, int count, Span<float> probabilities)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (bottlenecks.Length != (long)count * BottleneckSize)
        {
            throw new ArgumentException(
                $"Expected {count} vectors of length {BottleneckSize}, got {bottlenecks.Length} floats.", nameof(bottlenecks));
        }

        if (probabilities.Length < (long)count * ClassCount)
        {
            throw new ArgumentException(
                $"Need room for {count * ClassCount} probabilities, got {probabilities.Length}.", nameof(probabilities));
        }

        // The kernels want class-major weights (see LinearKernels); transposing 2048 x classCount values costs far less
        // than one batch, and sharing the training kernels keeps predictions bit-identical to training's.
        var weightsByClass = ArrayPool<float>.Shared.Rent(Weights.Length);
        var rows = ArrayPool<int>.Shared.Rent(count);
        try
        {
            var transposed = weightsByClass.AsSpan(0, Weights.Length);
            SoftmaxKernel.Transpose(Weights, BottleneckSize, ClassCount, transposed);
            for (var i = 0; i < count; i++)
            {
                rows[i] = i;
            }

            var output = probabilities[..(count * ClassCount)];
            LinearKernels.Logits(bottlenecks, BottleneckSize, rows.AsSpan(0, count), transposed, Biases, output);
            for (var i = 0; i < count; i++)
            {
                SoftmaxKernel.SoftmaxInPlace(output.Slice(i * ClassCount, ClassCount));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(weightsByClass);
        }
    }
}
