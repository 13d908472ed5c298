namespace Retrain.Training;

/// <summary>
/// The final evaluation on the test part. <see cref="Accuracy"/> is a fraction in [0, 1], or NaN with
/// <see cref="Count"/> 0 when the test part is empty. <see cref="Probabilities"/> holds Count x classCount values,
/// row-major, in the order of the test batch.
/// </summary>
public sealed record TestResult(
    double Accuracy,
    int Count,
    IReadOnlyList<Misclassified> Misclassified,
    float[] Probabilities)
{
    /// <summary>The true class index of each row of <see cref="Probabilities"/>, in the same order.</summary>
    public int[] TrueClasses { get; init; } = [];

    /// <summary>The image path of each row of <see cref="Probabilities"/>, in the same order.</summary>
    public string[] Paths { get; init; } = [];
}
