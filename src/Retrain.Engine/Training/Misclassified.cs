namespace Retrain.Training;

/// <summary>A test image the trained layer got wrong (retrain.py's --print_misclassified_test_images).</summary>
public sealed record Misclassified(string Path, string PredictedLabel, string TrueLabel);
