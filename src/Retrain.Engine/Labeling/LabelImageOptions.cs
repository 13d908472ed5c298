using Retrain.Bottlenecks;
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

/// <summary>One label and its probability.</summary>
public sealed record LabelScore(int Index, string Label, float Score);

/// <summary>The full distribution for one image, and its best <c>TopK</c> entries (best first).</summary>
public sealed record ImageLabels(string Image, float[] Probabilities, IReadOnlyList<LabelScore> Top);

/// <summary>
/// What label-image found: the images it labelled, in the order given, and those it could not read (only when several
/// were given: a single image that cannot be read is an error).
/// </summary>
public sealed record LabelImageResult(ModelDescription Model, IReadOnlyList<ImageLabels> Images, IReadOnlyList<ImageFailure> Failures);
