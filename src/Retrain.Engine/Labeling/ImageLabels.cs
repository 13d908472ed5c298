namespace Retrain;

/// <summary>The full distribution for one image, and its best <c>TopK</c> entries (best first).</summary>
public sealed record ImageLabels(string Image, float[] Probabilities, IReadOnlyList<LabelScore> Top);
