using SkiaSharp;

namespace Retrain.Images;

/// <summary>
/// Encoded bytes to displayed RGB(A) pixels with SkiaSharp, following TensorFlow's <c>decode_image(channels=3)</c>
/// wherever Skia lets us choose:
/// <list type="bullet">
/// <item>Format by content, never by file extension (as <c>decode_image</c> sniffs).</item>
/// <item>No colour management: the destination has no colour space, so embedded ICC profiles are ignored as TF does.</item>
/// <item>Alpha is dropped, not composited: decoding unpremultiplied keeps the stored RGB, which is what libpng's
///   <c>png_set_strip_alpha</c> gives TF (a fully transparent pixel keeps whatever RGB the file stores).</item>
/// <item>16-bit PNG keeps the high byte of each sample (Skia does this, matching TF's <c>png_set_strip_16</c>).</item>
/// <item>Grayscale is replicated to R=G=B (TF's <c>png_set_gray_to_rgb</c> / libjpeg JCS_RGB output).</item>
/// <item>Animated GIF: the first frame (TF's <c>expand_animations=False</c>); area outside it is black, as in TF;
///   transparent pixels are black too (TF 1.x returned the transparent index's palette colour instead).</item>
/// <item>Truncated data is an error, as in TF's <c>decode_jpeg</c> (<c>try_recover_truncated=False</c>,
///   <c>acceptable_fraction=1</c>) -- this includes a JPEG that only lacks its final EOI marker, and (unlike TF, which
///   only warns) a JPEG cut short that still ends in an EOI marker or whose header declares more pixels than its data
///   holds (<see cref="JpegDataCheck"/>).</item>
/// </list>
/// Known difference: TF decodes JPEG with libjpeg's IFAST DCT, Skia with ISLOW, so JPEG pixels differ by a level or two.
/// </summary>
internal static class SkiaPixelDecoder
{
    /// <summary>
    /// Decodes <paramref name="encoded"/>; <paramref name="targetHeight"/>/<paramref name="targetWidth"/> (displayed
    /// orientation, 0 = unknown) only matter with <see cref="ImageDecodeOptions.ReducedScaleJpeg"/>.
    /// </summary>
    public static unsafe DecodedRgba Decode(
        ReadOnlySpan<byte> encoded, string path, ImageDecodeOptions options, int targetHeight = 0, int targetWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (encoded.IsEmpty)
        {
            throw ImageErrors.Create(path, "the data is empty (0 bytes)", "re-copy or re-download the file, or delete it");
        }

        fixed (byte* bytes = encoded)
        {
            // Wraps the caller's memory without copying; the codec and data die before the pin is released.
            using var data = SKData.Create((IntPtr)bytes, encoded.Length);
            using var codec = SKCodec.Create(data) ?? throw Unrecognised(encoded, path);
            if (codec.EncodedFormat == SKEncodedImageFormat.Wbmp)
            {
                // WBMP has no magic number: Skia "recognises" many short binary blobs as WBMP, so treat it as unknown.
                throw Unrecognised(encoded, path);
            }

            CheckFormat(codec, path);

            var origin = options.ApplyExifOrientation ? codec.EncodedOrigin : SKEncodedOrigin.TopLeft;
            var size = DecodeSize(codec, options, origin, targetHeight, targetWidth);
            CheckPixelLimit(codec, size, options, path);
            var jpeg = codec.EncodedFormat == SKEncodedImageFormat.Jpeg;
            if (jpeg && JpegDataCheck.ImpossiblySmall(encoded) is { } tooSmall)
            {
                throw ImageErrors.Create(path, tooSmall, "re-download or re-export the image, or delete it");
            }

            var pixels = new DecodedRgba(size.Width, size.Height);
            try
            {
                ReadPixels(codec, pixels, path);
                if (jpeg && JpegDataCheck.EndsInGreyFill(pixels.Span, pixels.Width, pixels.Height) &&
                    JpegDataCheck.CutShort(encoded) is { } cutShort)
                {
                    throw ImageErrors.Create(path, cutShort, "re-download or re-export the image, or delete it");
                }

                return ExifOrientation.Apply(pixels, origin);
            }
            catch
            {
                pixels.Dispose();
                throw;
            }
        }
    }

    private static unsafe void ReadPixels(SKCodec codec, DecodedRgba pixels, string path)
    {
        var info = new SKImageInfo(pixels.Width, pixels.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        SKCodecResult result;
        fixed (byte* dst = pixels.Array)
        {
            result = codec.GetPixels(info, (IntPtr)dst, pixels.RowBytes, SKCodecOptions.Default);
        }

        switch (result)
        {
            case SKCodecResult.Success:
                return;
            case SKCodecResult.IncompleteInput:
                throw ImageErrors.Create(path, $"the {Name(codec)} data ends before the last row of pixels (truncated file)",
                    "re-download or re-export the image, or delete it");
            case SKCodecResult.ErrorInInput:
                throw ImageErrors.Create(path, $"the {Name(codec)} data is corrupt (the decoder stopped on invalid data)",
                    "re-download or re-export the image, or delete it");
            default:
                throw ImageErrors.Create(path, $"the {Name(codec)} decoder failed ({result})",
                    $"re-encode the image as a standard 8-bit {ImageErrors.SupportedFormats} file");
        }
    }

    private static SKSizeI DecodeSize(
        SKCodec codec, ImageDecodeOptions options, SKEncodedOrigin origin, int targetHeight, int targetWidth)
    {
        var full = new SKSizeI(codec.Info.Width, codec.Info.Height);
        if (!options.ReducedScaleJpeg || codec.EncodedFormat != SKEncodedImageFormat.Jpeg || targetHeight <= 0 || targetWidth <= 0)
        {
            return full;
        }

        // The target is in displayed orientation; compare it with the stored axes it will come from.
        var (needW, needH) = ExifOrientation.SwapsAxes(origin) ? (targetHeight, targetWidth) : (targetWidth, targetHeight);
        for (var eighths = 1; eighths < 8; eighths++)
        {
            // libjpeg-turbo scales by k/8; Skia rounds to the sizes it can produce, smallest first here.
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (scaled.Width >= needW && scaled.Height >= needH && scaled.Width < full.Width)
            {
                return scaled;
            }
        }

        return full;
    }

    private static void CheckPixelLimit(SKCodec codec, SKSizeI size, ImageDecodeOptions options, string path)
    {
        var pixels = (long)size.Width * size.Height;
        if (size.Width <= 0 || size.Height <= 0)
        {
            throw ImageErrors.Create(path, $"the {Name(codec)} header declares an empty size {size.Width}x{size.Height}",
                "re-export the image");
        }

        if (pixels > options.MaxPixels)
        {
            throw ImageErrors.Create(path,
                $"the {Name(codec)} header declares {size.Width}x{size.Height} pixels ({pixels / 1e6:0.#} megapixels), above the " +
                $"limit of {options.MaxPixels / 1e6:0.#} megapixels (decoding would need {pixels * 4 / (double)(1L << 30):0.#} GiB)",
                "downscale the image (training inputs are a few hundred pixels wide) or remove it; a corrupt header also causes this");
        }
    }

    private static void CheckFormat(SKCodec codec, string path)
    {
        if (codec.EncodedFormat is SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png or SKEncodedImageFormat.Bmp
            or SKEncodedImageFormat.Gif or SKEncodedImageFormat.Webp)
        {
            return;
        }

        throw ImageErrors.Create(path, $"it is a {codec.EncodedFormat} image, which retrain does not read",
            $"convert it to {ImageErrors.SupportedFormats}");
    }

    private static Retrain.Errors.RetrainException Unrecognised(ReadOnlySpan<byte> encoded, string path)
    {
        var claimed = ImageFormatSniffer.Claimed(encoded);
        return claimed is null
            ? ImageErrors.Create(path,
                $"the content is not a {ImageErrors.SupportedFormats} image (first bytes: {ImageFormatSniffer.Describe(encoded)}; " +
                "the format is detected from the content, not the file extension)",
                "convert the file to a supported format, or remove it")
            : ImageErrors.Create(path, $"it starts like a {claimed} file but its header is corrupt or cut short ({encoded.Length} bytes)",
                "re-download or re-export the image, or delete it");
    }

    private static string Name(SKCodec codec) => codec.EncodedFormat switch
    {
        SKEncodedImageFormat.Jpeg => "JPEG",
        SKEncodedImageFormat.Png => "PNG",
        SKEncodedImageFormat.Bmp => "BMP",
        SKEncodedImageFormat.Gif => "GIF",
        SKEncodedImageFormat.Webp => "WebP",
        var other => other.ToString(),
    };
}
