namespace Retrain.Training;

/// <summary>
/// <see cref="EarlyStopping"/>'s watch as of an evaluation, for a checkpoint: the best evaluation's step, validation
/// cross entropy, scores and layer ([bottleneckSize, classCount] row-major weights, as <see cref="FinalLayer.Weights"/>),
/// the evaluations since it, and whether it ended the run.
/// </summary>
internal sealed record EarlyStoppingSnapshot(
    int BestStep,
    double BestCrossEntropy,
    int SinceBest,
    float[] BestWeights,
    float[] BestBiases,
    BatchScore BestTrain,
    BatchScore BestValidation,
    bool Stopped);
