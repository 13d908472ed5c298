namespace Retrain.Reports;

/// <summary>
/// A test photo the trained layer got wrong, with the scores (softmax probabilities) of the class it predicted and of
/// its true class.
/// </summary>
internal sealed record MisclassifiedPhoto(string Path, string TrueLabel, string PredictedLabel, double PredictedScore, double TrueScore);
