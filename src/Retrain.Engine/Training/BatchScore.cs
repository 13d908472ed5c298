namespace Retrain.Training;

/// <summary>Mean softmax cross-entropy and accuracy (a fraction in [0, 1]) of the layer on one batch of images.</summary>
internal readonly record struct BatchScore(double CrossEntropy, double Accuracy, int Count);
