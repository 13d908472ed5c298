using Retrain.Graphs;
using Retrain.Inference;

namespace Retrain;

/// <summary>label_image.py's flags (plus <see cref="TopK"/> and several images per call). Immutable; the CLI builds it.</summary>
public sealed record LabelImageOptions
{
    public required string Graph { get; init; }

    public string? Labels { get; init; }

    public required IReadOnlyList<string> Images { get; init; }

    public int TopK { get; init; } = 5;

    /// <summary>Input/output node names and preprocessing; unset values come from the graph (see ModelRecognizer).</summary>
    public ModelOverrides Model { get; init; } = new();

    public InferenceSettings Inference { get; init; } = new();
}
