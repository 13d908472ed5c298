namespace Retrain.Evaluation;

/// <summary>
/// One class's scores on the test part. Precision is NaN when nothing was predicted as the class, recall when the
/// class has no test image (scikit-learn's "ill-defined" cases); F1 is NaN when either is.
/// </summary>
internal sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support);
