namespace Retrain.Images;

/// <summary>
/// How an image becomes a network input: TF1 bilinear resize to <see cref="Height"/> x <see cref="Width"/>, then
/// <c>(pixel - Mean) / Std</c> with pixel in [0, 255] (retrain.py's <c>add_jpeg_decoding</c> and label_image.py's
/// <c>read_tensor_from_image_file</c>). Models from outside TensorFlow may instead want one mean and std per channel
/// (<see cref="ChannelMeans"/>, <see cref="ChannelStds"/>, in the model's channel order), BGR channels or NCHW.
/// </summary>
internal sealed record ImagePreprocessing(int Height, int Width, float Mean, float Std)
{
    /// <summary>Floats one image occupies in a batch: Height * Width * 3, whatever the layout.</summary>
    public int TensorLength => checked(Height * Width * 3);

    public TensorLayout Layout { get; init; } = TensorLayout.Nhwc;

    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>Three means, one per channel in the model's channel order; null means <see cref="Mean"/> for all.</summary>
    public IReadOnlyList<float>? ChannelMeans { get; init; }

    /// <summary>Three stds, one per channel in the model's channel order; null means <see cref="Std"/> for all.</summary>
    public IReadOnlyList<float>? ChannelStds { get; init; }

    /// <summary>
    /// True for retrain.py's own preprocessing (one mean and std, RGB, NHWC), which the loader fuses into the resize;
    /// anything else is arranged from the resized pixels afterwards.
    /// </summary>
    public bool IsTensorFlowDefault =>
        Layout == TensorLayout.Nhwc && ChannelOrder == ChannelOrder.Rgb && ChannelMeans is null && ChannelStds is null;

    /// <summary>The mean of channel <paramref name="channel"/> (in the model's channel order).</summary>
    public float MeanOf(int channel) => ChannelMeans?[channel] ?? Mean;

    /// <summary>The std of channel <paramref name="channel"/> (in the model's channel order).</summary>
    public float StdOf(int channel) => ChannelStds?[channel] ?? Std;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Width);
        if (ChannelMeans is { Count: not 3 } || ChannelStds is { Count: not 3 })
        {
            throw new ArgumentOutOfRangeException(nameof(ChannelMeans), "Per-channel means and stds must have exactly 3 values.");
        }

        for (var c = 0; c < 3; c++)
        {
            if (StdOf(c) == 0 || !float.IsFinite(StdOf(c)) || !float.IsFinite(MeanOf(c)))
            {
                throw new ArgumentOutOfRangeException(nameof(Std), $"Mean ({MeanOf(c)}) and Std ({StdOf(c)}) of channel {c} must be finite and Std non-zero.");
            }
        }
    }
}
