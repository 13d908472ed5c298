using System.Numerics.Tensors;

namespace Retrain.Training;

/// <summary>retrain.py's <c>tf.train.GradientDescentOptimizer</c>: w -= lr·g, with no state.</summary>
internal sealed class SgdOptimizer : Optimizer
{
    public override bool HasState => false;

    public override void Update(
        Span<float> weights,
        ReadOnlySpan<float> weightGradient,
        Span<float> biases,
        ReadOnlySpan<float> biasGradient,
        float learningRate)
    {
        TensorPrimitives.MultiplyAdd(weightGradient, -learningRate, weights, weights);
        TensorPrimitives.MultiplyAdd(biasGradient, -learningRate, biases, biases);
    }
}
