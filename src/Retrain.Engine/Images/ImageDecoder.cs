namespace Retrain.Images;

/// <summary>
/// Decodes JPEG, PNG, BMP, GIF (first frame) and WebP into 8-bit RGB the way TensorFlow's
/// <c>decode_image(channels=3)</c> does (see <see cref="SkiaPixelDecoder"/> for each rule), plus EXIF orientation.
/// Every failure is a <see cref="Errors.RetrainException"/> with <see cref="Errors.ExitCode.BadImage"/> naming the file.
/// Thread-safe: no shared state.
/// </summary>
internal static class ImageDecoder
{
    /// <param name="encoded">The file's bytes; the format is detected from them, never from a file name.</param>
    /// <param name="pathForMessages">Shown in error messages only.</param>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, string pathForMessages) =>
        Decode(encoded, pathForMessages, ImageDecodeOptions.Default);

    public static RgbImage Decode(ReadOnlySpan<byte> encoded, string pathForMessages, ImageDecodeOptions options)
    {
        using var pixels = SkiaPixelDecoder.Decode(encoded, pathForMessages, options);
        return pixels.ToRgbImage();
    }

    /// <summary>Reads and decodes a file; missing, unreadable, empty, truncated or non-image files are BadImage errors.</summary>
    public static RgbImage Decode(string path) => Decode(path, ImageDecodeOptions.Default);

    public static RgbImage Decode(string path, ImageDecodeOptions options)
    {
        using var file = EncodedImageFile.Read(path);
        return Decode(file.Span, path, options);
    }
}
