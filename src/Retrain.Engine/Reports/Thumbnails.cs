using Retrain.Images;
using SkiaSharp;

namespace Retrain.Reports;

/// <summary>
/// Small JPEG copies of the test photos for the report, so the report folder never points at the dataset. They are
/// shown as a viewer shows the photo: the EXIF Orientation is applied, so a phone photo stored sideways is upright.
/// </summary>
internal static class Thumbnails
{
    public const int MaxSide = 160;

    /// <summary>The photo scaled to fit <see cref="MaxSide"/>, as JPEG; null when it cannot be read or decoded now.</summary>
    public static byte[]? Of(string path)
    {
        try
        {
            using var codec = SKCodec.Create(path);
            if (codec is null)
            {
                return null;
            }

            var origin = codec.EncodedOrigin;
            using var bitmap = SKBitmap.Decode(codec);
            if (bitmap is null || bitmap.Width <= 0 || bitmap.Height <= 0)
            {
                return null;
            }

            var scale = Math.Min(1.0, (double)MaxSide / Math.Max(bitmap.Width, bitmap.Height));
            var stored = new SKImageInfo(
                Math.Max(1, (int)Math.Round(bitmap.Width * scale)),
                Math.Max(1, (int)Math.Round(bitmap.Height * scale)),
                SKColorType.Rgba8888,
                SKAlphaType.Premul);
            using var small = bitmap.Resize(stored, new SKSamplingOptions(SKCubicResampler.Mitchell));
            if (small is null)
            {
                return null;
            }

            var upright = Upright(origin, stored.Width, stored.Height, out var shown);

            // JPEG has no alpha: draw onto white so a transparent PNG does not turn black.
            using var surface = SKSurface.Create(stored.WithSize(shown.Width, shown.Height));
            surface.Canvas.Clear(SKColors.White);
            surface.Canvas.SetMatrix(upright);
            surface.Canvas.DrawBitmap(small, 0, 0);
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, 80);
            return data?.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The matrix that draws a <paramref name="width"/> x <paramref name="height"/> image stored with
    /// <paramref name="origin"/> as it is displayed (whole-pixel moves only, so nothing is resampled), and the size shown.
    /// </summary>
    private static SKMatrix Upright(SKEncodedOrigin origin, int width, int height, out SKSizeI shown)
    {
        shown = ExifOrientation.SwapsAxes(origin) ? new SKSizeI(height, width) : new SKSizeI(width, height);
        // x' = ScaleX*x + SkewX*y + TransX, y' = SkewY*x + ScaleY*y + TransY; e.g. 6 ("row 0 is the right side")
        // turns the picture a quarter clockwise: the stored left column becomes the top row.
        return origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),         // 2: mirror left-right
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1), // 3: rotate 180
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),       // 4: mirror top-bottom
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),                // 5: transpose
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, height, 1, 0, 0, 0, 0, 1),         // 6: rotate 90 clockwise
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, height, -1, 0, width, 0, 0, 1), // 7: transverse
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, width, 0, 0, 1),        // 8: rotate 90 counter-clockwise
            _ => SKMatrix.Identity,
        };
    }
}
