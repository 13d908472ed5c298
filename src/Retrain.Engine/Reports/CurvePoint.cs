namespace Retrain.Reports;

/// <summary>
/// The scores logged at one evaluation step: the training batch after the step's update (retrain.py's "Train accuracy"
/// and "Cross entropy") and the validation batch, null without a validation part. Accuracies are fractions in [0, 1].
/// </summary>
internal sealed record CurvePoint(
    int Step,
    double TrainAccuracy,
    double TrainCrossEntropy,
    double? ValidationAccuracy,
    double? ValidationCrossEntropy);
