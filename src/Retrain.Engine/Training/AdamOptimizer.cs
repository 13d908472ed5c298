namespace Retrain.Training;

/// <summary>
/// Adam with Keras' defaults: m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
/// w -= lr·√(1-β2^t)/(1-β1^t) · m/(√v + ε), with t the 1-based step.
/// </summary>
internal sealed class AdamOptimizer(int weightCount, int biasCount) : Optimizer
{
    public const float Beta1 = 0.9f;
    public const float Beta2 = 0.999f;
    public const float Epsilon = 1e-7f;

    private readonly float[] _weightMean = new float[weightCount];
    private readonly float[] _weightVariance = new float[weightCount];
    private readonly float[] _biasMean = new float[biasCount];
    private readonly float[] _biasVariance = new float[biasCount];
    private int _step;

    public override bool HasState => true;

    public override OptimizerSnapshot Capture() =>
        new(_step, [(float[])_weightMean.Clone(), (float[])_weightVariance.Clone(), (float[])_biasMean.Clone(), (float[])_biasVariance.Clone()], []);

    public override void Restore(OptimizerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot.RequireSlots(_weightMean.Length, _weightVariance.Length, _biasMean.Length, _biasVariance.Length);
        _step = snapshot.Step;
        snapshot.Slots[0].CopyTo(_weightMean, 0);
        snapshot.Slots[1].CopyTo(_weightVariance, 0);
        snapshot.Slots[2].CopyTo(_biasMean, 0);
        snapshot.Slots[3].CopyTo(_biasVariance, 0);
    }

    public override void Update(
        Span<float> weights,
        ReadOnlySpan<float> weightGradient,
        Span<float> biases,
        ReadOnlySpan<float> biasGradient,
        float learningRate)
    {
        _step++;
        var correctedRate = (float)(learningRate * Math.Sqrt(1 - Math.Pow(Beta2, _step)) / (1 - Math.Pow(Beta1, _step)));
        Apply(weights, weightGradient, _weightMean, _weightVariance, correctedRate);
        Apply(biases, biasGradient, _biasMean, _biasVariance, correctedRate);
    }

    private static void Apply(Span<float> values, ReadOnlySpan<float> gradient, Span<float> mean, Span<float> variance, float rate)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var g = gradient[i];
            mean[i] = (Beta1 * mean[i]) + ((1 - Beta1) * g);
            variance[i] = (Beta2 * variance[i]) + ((1 - Beta2) * g * g);
            values[i] -= rate * mean[i] / (MathF.Sqrt(variance[i]) + Epsilon);
        }
    }
}
