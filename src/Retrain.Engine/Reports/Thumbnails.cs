using SkiaSharp;

namespace Retrain.Reports;

/// <summary>Small JPEG copies of the test photos for the report, so the report folder never points at the dataset.</summary>
internal static class Thumbnails
{
    public const int MaxSide = 160;

    /// <summary>The photo scaled to fit <see cref="MaxSide"/>, as JPEG; null when it cannot be read or decoded now.</summary>
    public static byte[]? Of(string path)
    {
        try
        {
            using var bitmap = SKBitmap.Decode(path);
            if (bitmap is null || bitmap.Width <= 0 || bitmap.Height <= 0)
            {
                return null;
            }

            var scale = Math.Min(1.0, (double)MaxSide / Math.Max(bitmap.Width, bitmap.Height));
            var info = new SKImageInfo(
                Math.Max(1, (int)Math.Round(bitmap.Width * scale)),
                Math.Max(1, (int)Math.Round(bitmap.Height * scale)),
                SKColorType.Rgba8888,
                SKAlphaType.Premul);
            using var small = bitmap.Resize(info, new SKSamplingOptions(SKCubicResampler.Mitchell));
            if (small is null)
            {
                return null;
            }

            // JPEG has no alpha: draw onto white so a transparent PNG does not turn black.
            using var surface = SKSurface.Create(info);
            surface.Canvas.Clear(SKColors.White);
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
}
