namespace Retrain.Backbones;

/// <summary>Where the retrained model goes; null for an output not asked for.</summary>
internal sealed record ExportPaths(string OutputGraph, string OutputLabels, string? SavedModelDir, string? OutputOnnx, string FinalTensorName);
