using System.Globalization;
using Retrain.Errors;
using Retrain.Images;

namespace Retrain.Graphs;

/// <summary>
/// What the user said about how a model's input holds an image, beyond retrain.py's one mean and std: the layout,
/// the channel order and per-channel normalisation. Null members were not given: the model's own metadata, then its
/// input shape, then TensorFlow's convention (NHWC, RGB, one mean and std) decide.
/// </summary>
public sealed record InputArrangement(
    TensorLayout? Layout = null,
    ChannelOrder? ChannelOrder = null,
    IReadOnlyList<float>? ChannelMeans = null,
    IReadOnlyList<float>? ChannelStds = null)
{
    public static readonly InputArrangement NotGiven = new();

    public bool IsGiven => Layout is not null || ChannelOrder is not null || ChannelMeans is not null || ChannelStds is not null;

    internal void Validate()
    {
        Flags.Require(ChannelMeans is null || ChannelMeans.Count == 3, Flags.InputMean, "takes one value, or three (one per channel, in the model's channel order)");
        Flags.Require(ChannelStds is null || ChannelStds.Count == 3, Flags.InputStd, "takes one value, or three (one per channel, in the model's channel order)");
        Flags.Require(ChannelMeans is null || ChannelMeans.All(float.IsFinite), Flags.InputMean, "must be numbers");
        Flags.Require(
            ChannelStds is null || ChannelStds.All(s => float.IsFinite(s) && s != 0),
            Flags.InputStd,
            "must be numbers other than 0 (pixels are fed as (value - mean) / std)");
    }

    /// <summary>Identifies a non-default arrangement in a cache key; empty for TensorFlow's convention.</summary>
    internal static string KeyPart(TensorLayout layout, ChannelOrder order, IReadOnlyList<float>? means, IReadOnlyList<float>? stds)
    {
        var key = layout == TensorLayout.Nhwc ? string.Empty : $"|layout={layout}";
        key += order == Images.ChannelOrder.Rgb ? string.Empty : $"|channels={order}";
        key += means is null ? string.Empty : "|means=" + string.Join(',', means.Select(m => m.ToString("R", CultureInfo.InvariantCulture)));
        key += stds is null ? string.Empty : "|stds=" + string.Join(',', stds.Select(m => m.ToString("R", CultureInfo.InvariantCulture)));
        return key;
    }
}
