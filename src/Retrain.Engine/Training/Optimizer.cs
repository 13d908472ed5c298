namespace Retrain.Training;

/// <summary>
/// The update rule of <see cref="TrainableLayer"/>: one subclass per <see cref="OptimizerKind"/>, each holding the
/// state it carries between steps. Weights and biases are updated alike, each array with its own state.
/// </summary>
internal abstract class Optimizer
{
    /// <summary>Whether the optimizer carries state between steps that a checkpoint of the weights alone would lose.</summary>
    public abstract bool HasState { get; }

    public static Optimizer Create(OptimizerKind kind, int weightCount, int biasCount) => kind switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(),
        OptimizerKind.Momentum => new MomentumOptimizer(weightCount, biasCount),
        OptimizerKind.Adam => new AdamOptimizer(weightCount, biasCount),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer."),
    };

    /// <summary>A copy of the state carried between steps (for --checkpoint_path).</summary>
    public virtual OptimizerSnapshot Capture() => OptimizerSnapshot.None;

    /// <summary>Takes the state of <paramref name="snapshot"/>, as <see cref="Capture"/> gave it.</summary>
    public virtual void Restore(OptimizerSnapshot snapshot) => ArgumentNullException.ThrowIfNull(snapshot);

    /// <summary>One update of <paramref name="weights"/> and <paramref name="biases"/> from their gradients.</summary>
    public abstract void Update(
        Span<float> weights,
        ReadOnlySpan<float> weightGradient,
        Span<float> biases,
        ReadOnlySpan<float> biasGradient,
        float learningRate);
}
