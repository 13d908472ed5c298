using System.Numerics.Tensors;

namespace Retrain.Training;

/// <summary>
/// The per-image arithmetic after the logits (see <see cref="LinearKernels"/>), shared by training and
/// <see cref="FinalLayer.Predict"/> so both give bit-identical probabilities.
/// </summary>
internal static class SoftmaxKernel
{
    /// <summary>
    /// Turns logits into probabilities in place, subtracting the largest logit first so large logits cannot overflow.
    /// Returns log(sum(exp(logits))) of the original logits, from which cross-entropy follows without a log of zero.
    /// </summary>
    public static float SoftmaxInPlace(Span<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        var sum = 0f;
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = MathF.Exp(values[c] - max);
            sum += values[c];
        }

        for (var c = 0; c < values.Length; c++)
        {
            values[c] /= sum;
        }

        return max + MathF.Log(sum);
    }

    /// <summary>
    /// As <see cref="SoftmaxInPlace"/> with SIMD <c>exp</c> (<see cref="TensorPrimitives"/>): several times faster on a
    /// row of a hundred classes, deterministic, but not the scalar loop's last bits, so only the panel kernels' users
    /// (lbfgs) take it.
    /// </summary>
    public static float SoftmaxInPlaceVectorized(Span<float> values)
    {
        var max = TensorPrimitives.Max<float>(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        var sum = TensorPrimitives.Sum<float>(values);
        TensorPrimitives.Divide(values, sum, values);
        return max + MathF.Log(sum);
    }

    /// <summary>The first index of the largest value, like tf.argmax.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var c = 1; c < values.Length; c++)
        {
            if (values[c] > values[best])
            {
                best = c;
            }
        }

        return best;
    }

    public static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                destination[(c * rows) + r] = source[(r * columns) + c];
            }
        }
    }
}
