namespace Retrain.Training;

/// <summary>
/// What a training run produced. Accuracies are fractions in [0, 1] measured at the last evaluation step (with
/// --early_stopping_patience, at the best evaluation, whose weights are the layer kept); the train
/// figures are NaN when no step ran, and <see cref="LastValidationAccuracy"/> is null when the validation part was
/// empty (or no step ran).
/// </summary>
public sealed record TrainingResult(
    FinalLayer Layer,
    TestResult Test,
    double LastTrainAccuracy,
    double LastCrossEntropy,
    double? LastValidationAccuracy);
