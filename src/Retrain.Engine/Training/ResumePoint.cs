namespace Retrain.Training;

/// <summary>
/// Where a resumed run starts: <paramref name="StepsDone"/> steps already run, and the layer they produced
/// ([bottleneckSize, classCount] row-major weights, as <see cref="FinalLayer.Weights"/>).
/// </summary>
internal sealed record ResumePoint(int StepsDone, float[] Weights, float[] Biases)
{
    /// <summary>The optimizer's state after those steps (null: none saved, which only plain gradient descent can resume).</summary>
    public OptimizerSnapshot? Optimizer { get; init; }

    /// <summary>--early_stopping_patience's watch after those steps (null: the run did not watch).</summary>
    public EarlyStoppingSnapshot? EarlyStopping { get; init; }

    /// <summary>The checkpoint it was read from, for messages.</summary>
    public string Source { get; init; } = "the checkpoint";
}
