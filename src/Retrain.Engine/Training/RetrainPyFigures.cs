namespace Retrain.Training;

/// <summary>
/// The figures retrain.py logs, computed the way it printed them, so a log line reads the same for the same counts.
/// retrain.py's accuracy is TensorFlow's float32 mean of the correct predictions, multiplied by 100 in float32, and
/// printed with Python's <c>'%.1f'</c>, which rounds the exact binary value and breaks an exact tie to even
/// (61 of 80 correct prints 76.2%, 1 of 16 prints 6.2%). .NET's custom format "0.0" rounds ties away from zero instead,
/// so the values are passed as this float32 percentage and written with the standard format "F1", which rounds
/// as Python does.
/// </summary>
internal static class RetrainPyFigures
{
    /// <summary>Format for a percentage, as retrain.py's <c>%.1f%%</c>.</summary>
    public const string PercentFormat = "F1";

    /// <summary>Format for a cross entropy, as retrain.py's <c>%f</c>.</summary>
    public const string CrossEntropyFormat = "F6";

    /// <summary>An accuracy in [0, 1] as the percentage retrain.py prints: float32 accuracy times 100 in float32.</summary>
    public static double Percent(double accuracy) => (float)accuracy * 100f;
}
