using Retrain.Errors;

namespace Retrain.Graphs;

/// <summary>
/// Values the user gave on the command line to describe a model (`--input_layer`, `--bottleneck_layer` /
/// `--output_layer`, `--input_height`, `--input_width`, `--input_mean`, `--input_std`); null means "not given", so
/// what the graph itself says is used.
/// </summary>
public sealed record ModelOverrides(
    string? InputNode = null,
    string? OutputNode = null,
    int? InputHeight = null,
    int? InputWidth = null,
    float? InputMean = null,
    float? InputStd = null)
{
    /// <summary>
    /// How the input tensor holds an image when the shape cannot tell or the model wants it otherwise (ONNX backbones):
    /// channels first or last (<c>--input_layout</c>), RGB or BGR (<c>--input_channel_order</c>), and one mean and std
    /// per channel in the model's channel order (<c>--input_mean</c>/<c>--input_std</c> with three values).
    /// </summary>
    public InputArrangement Arrangement { get; init; } = InputArrangement.NotGiven;

    /// <summary>Refuses flag values no model could be described by, before any model is opened.</summary>
    public void Validate()
    {
        Flags.Require(InputNode is null || !string.IsNullOrWhiteSpace(InputNode), Flags.InputLayer, "must not be empty");
        Flags.Require(OutputNode is null || !string.IsNullOrWhiteSpace(OutputNode), Flags.BottleneckOrOutputLayer, "must not be empty");
        Flags.Require(InputHeight is null or > 0, Flags.InputHeight, "must be at least 1 pixel");
        Flags.Require(InputWidth is null or > 0, Flags.InputWidth, "must be at least 1 pixel");
        Flags.Require(InputMean is null || float.IsFinite(InputMean.Value), Flags.InputMean, "must be a number");
        Flags.Require(
            InputStd is null || (float.IsFinite(InputStd.Value) && InputStd.Value != 0),
            Flags.InputStd,
            "must be a number other than 0 (pixels are fed as (value - mean) / std)");
        Arrangement.Validate();
    }
}
