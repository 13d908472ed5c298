namespace Retrain.Images;

/// <summary>
/// Turns resized RGB pixels (HWC, values in [0, 255]) into a model's input: channel order, per-channel
/// <c>(pixel - mean) / std</c>, and HWC or CHW layout.
/// </summary>
internal static class ChannelArrangement
{
    public static void Arrange(ReadOnlySpan<float> rgbHwc, ImagePreprocessing prep, Span<float> destination)
    {
        var pixels = prep.Height * prep.Width;
        Span<float> means = [prep.MeanOf(0), prep.MeanOf(1), prep.MeanOf(2)];

        // As retrain.py: multiply by 1.0 / std computed in double, used as float32.
        Span<float> invStds = [(float)(1.0 / prep.StdOf(0)), (float)(1.0 / prep.StdOf(1)), (float)(1.0 / prep.StdOf(2))];
        var bgr = prep.ChannelOrder == ChannelOrder.Bgr;
        var chw = prep.Layout == TensorLayout.Nchw;
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var source = rgbHwc[(p * 3) + (bgr ? 2 - c : c)];
                destination[chw ? (c * pixels) + p : (p * 3) + c] = (source - means[c]) * invStds[c];
            }
        }
    }
}
