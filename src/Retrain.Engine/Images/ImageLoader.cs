
namespace Retrain.Images;

/// <summary>
/// The whole input pipeline of retrain.py (<c>add_jpeg_decoding</c>) and label_image.py
/// (<c>read_tensor_from_image_file</c>): decode to RGB, TF1 bilinear resize, <c>(x - mean) / std</c>, written
/// straight into one image's NHWC slot of a batch. The hot path of bottleneck creation: the decoded pixels live in a
/// pooled buffer and are read by the resize as decoded (RGBA), and normalisation is fused into the resize.
/// Thread-safe: call it from as many threads as there are cores.
/// </summary>
internal static class ImageLoader
{
    /// <param name="destination">At least <see cref="ImagePreprocessing.TensorLength"/> floats, in the order <see cref="ImagePreprocessing.Layout"/> says (HWC by default).</param>
    public static void LoadInto(string path, ImagePreprocessing prep, Span<float> destination) =>
        LoadInto(path, prep, destination, ImageDecodeOptions.Default);

    public static void LoadInto(string path, ImagePreprocessing prep, Span<float> destination, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(prep);
        prep.Validate();
        CheckDestination(prep, destination);
        using var file = EncodedImageFile.Read(path);
        Load(file.Span, path, prep, destination, options);
    }

    public static void LoadInto(ReadOnlySpan<byte> encoded, string pathForMessages, ImagePreprocessing prep, Span<float> destination) =>
        LoadInto(encoded, pathForMessages, prep, destination, ImageDecodeOptions.Default);

    public static void LoadInto(
        ReadOnlySpan<byte> encoded, string pathForMessages, ImagePreprocessing prep, Span<float> destination, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(prep);
        prep.Validate();
        CheckDestination(prep, destination);
        Load(encoded, pathForMessages, prep, destination, options);
    }

    /// <summary>
    /// As <see cref="LoadInto(ReadOnlySpan{byte}, string, ImagePreprocessing, Span{float}, ImageDecodeOptions)"/>
    /// with one of retrain.py's training distortions applied between decoding and normalisation
    /// (<c>add_input_distortions</c>); <see cref="Distortion.Identity"/> gives exactly the undistorted tensor.
    /// </summary>
    public static void LoadDistortedInto(
        ReadOnlySpan<byte> encoded,
        string pathForMessages,
        ImagePreprocessing prep,
        Distortion distortion,
        Span<float> destination,
        ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(prep);
        prep.Validate();
        CheckDestination(prep, destination);
        using var pixels = SkiaPixelDecoder.Decode(encoded, pathForMessages, options, distortion.PrecropHeight, distortion.PrecropWidth);
        var window = new TfBilinearResize.ResizeWindow(
            distortion.PrecropHeight, distortion.PrecropWidth, distortion.OffsetY, distortion.OffsetX, distortion.Flip);
        if (prep.IsTensorFlowDefault)
        {
            TfBilinearResize.ResizeWindowNormalize(pixels.Span, pixels.Width, pixels.Height, DecodedRgba.BytesPerPixel,
                window, prep.Height, prep.Width, distortion.Brightness, prep.Mean, (float)(1.0 / prep.Std), destination);
            return;
        }

        var rgb = new float[prep.TensorLength];
        TfBilinearResize.ResizeWindowNormalize(pixels.Span, pixels.Width, pixels.Height, DecodedRgba.BytesPerPixel,
            window, prep.Height, prep.Width, distortion.Brightness, 0f, 1f, rgb);
        ChannelArrangement.Arrange(rgb, prep, destination);
    }

    private static void Load(
        ReadOnlySpan<byte> encoded, string path, ImagePreprocessing prep, Span<float> destination, ImageDecodeOptions options)
    {
        using var pixels = SkiaPixelDecoder.Decode(encoded, path, options, prep.Height, prep.Width);
        // retrain.py multiplies by 1.0 / input_std (computed in double, used as float32) rather than dividing;
        // doing the same keeps the last bit equal to its graph.
        if (prep.IsTensorFlowDefault)
        {
            var invStd = (float)(1.0 / prep.Std);
            TfBilinearResize.ResizeNormalize(pixels.Span, pixels.Width, pixels.Height, DecodedRgba.BytesPerPixel,
                prep.Height, prep.Width, prep.Mean, invStd, destination);
            return;
        }

        // Other layouts resize to plain pixels first (mean 0, std 1 is exact), then arrange them for the model.
        var rgb = new float[prep.TensorLength];
        TfBilinearResize.ResizeNormalize(pixels.Span, pixels.Width, pixels.Height, DecodedRgba.BytesPerPixel,
            prep.Height, prep.Width, 0f, 1f, rgb);
        ChannelArrangement.Arrange(rgb, prep, destination);
    }

    private static void CheckDestination(ImagePreprocessing prep, Span<float> destination)
    {
        if (destination.Length != prep.TensorLength)
        {
            throw new ArgumentException(
                $"The destination must hold exactly {prep.Height}x{prep.Width}x3 = {prep.TensorLength} floats, it has {destination.Length}.",
                nameof(destination));
        }
    }
}
