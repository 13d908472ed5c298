namespace Retrain;

/// <summary>One label and its probability.</summary>
public sealed record LabelScore(int Index, string Label, float Score);
