namespace Retrain.Training;

/// <summary>
/// <see cref="EarlyStopping"/>'s watch as of an evaluation, for a checkpoint: the best evaluation's step, validation
/// cross entropy, scores and layer ([bottleneckSize, classCount] row-major weights, as <see cref="FinalLayer.Weights"/>),
/// the evaluations since it, and whether it ended the run.
/// </summary>
/// <remarks>
/// When the run's last step made an evaluation off the --eval_step_interval grid, <see cref="BeforeLastStep"/> is the
/// watch without it: what a run resumed to more steps continues from, since a run of that length never made it.
/// </remarks>
internal sealed record EarlyStoppingSnapshot(
    int BestStep,
    double BestCrossEntropy,
    int SinceBest,
    float[] BestWeights,
    float[] BestBiases,
    BatchScore BestTrain,
    BatchScore BestValidation,
    bool Stopped)
{
    /// <summary>The watch before the last step's off-grid evaluation; null when the last evaluation was on the grid.</summary>
    public EarlyStoppingSnapshot? BeforeLastStep { get; init; }
}
