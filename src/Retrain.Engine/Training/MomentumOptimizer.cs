using System.Numerics.Tensors;

namespace Retrain.Training;

/// <summary>Keras' <c>SGD(momentum=0.9)</c>: v = 0.9·v - lr·g; w += v (the velocity starts at zero).</summary>
internal sealed class MomentumOptimizer(int weightCount, int biasCount) : Optimizer
{
    public const float Momentum = 0.9f;

    private readonly float[] _weightVelocity = new float[weightCount];
    private readonly float[] _biasVelocity = new float[biasCount];

    public override bool HasState => true;

    public override OptimizerSnapshot Capture() => new(0, [(float[])_weightVelocity.Clone(), (float[])_biasVelocity.Clone()], []);

    public override void Restore(OptimizerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot.RequireSlots(_weightVelocity.Length, _biasVelocity.Length);
        snapshot.Slots[0].CopyTo(_weightVelocity, 0);
        snapshot.Slots[1].CopyTo(_biasVelocity, 0);
    }

    public override void Update(
        Span<float> weights,
        ReadOnlySpan<float> weightGradient,
        Span<float> biases,
        ReadOnlySpan<float> biasGradient,
        float learningRate)
    {
        Apply(weights, weightGradient, _weightVelocity, learningRate);
        Apply(biases, biasGradient, _biasVelocity, learningRate);
    }

    private static void Apply(Span<float> values, ReadOnlySpan<float> gradient, Span<float> velocity, float learningRate)
    {
        TensorPrimitives.Multiply(velocity, Momentum, velocity);
        TensorPrimitives.MultiplyAdd(gradient, -learningRate, velocity, velocity);
        TensorPrimitives.Add(values, velocity, values);
    }
}
