using SkiaSharp;

namespace Retrain.Images;

/// <summary>
/// Applies an EXIF Orientation (TIFF tag 0x0112, values 1-8, which <see cref="SKEncodedOrigin"/> numbers the same
/// way) so the pixels come out as a viewer displays them. Skia reports the tag but leaves the pixels as stored.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>Whether the stored rows become columns (orientations 5-8 rotate by a quarter turn).</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Returns the displayed image; disposes <paramref name="stored"/> when a new buffer was needed.</summary>
    public static DecodedRgba Apply(DecodedRgba stored, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft || !Enum.IsDefined(origin))
        {
            return stored;
        }

        var swap = SwapsAxes(origin);
        int w = stored.Width, h = stored.Height;
        var shown = new DecodedRgba(swap ? h : w, swap ? w : h);
        try
        {
            Remap(stored, shown, origin);
        }
        catch
        {
            shown.Dispose();
            throw;
        }

        stored.Dispose();
        return shown;
    }

    private static void Remap(DecodedRgba stored, DecodedRgba shown, SKEncodedOrigin origin)
    {
        int w = stored.Width, h = stored.Height;
        var src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(stored.Span);
        var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(shown.Span);
        var ow = shown.Width;
        for (var oy = 0; oy < shown.Height; oy++)
        {
            for (var ox = 0; ox < ow; ox++)
            {
                // Source pixel shown at (ox, oy); e.g. 6 = "row 0 is the right side": rotate 90 degrees clockwise.
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - ox, oy),               // 2: mirror left-right
                    SKEncodedOrigin.BottomRight => (w - 1 - ox, h - 1 - oy),    // 3: rotate 180
                    SKEncodedOrigin.BottomLeft => (ox, h - 1 - oy),             // 4: mirror top-bottom
                    SKEncodedOrigin.LeftTop => (oy, ox),                        // 5: transpose
                    SKEncodedOrigin.RightTop => (oy, h - 1 - ox),               // 6: rotate 90 clockwise
                    SKEncodedOrigin.RightBottom => (w - 1 - oy, h - 1 - ox),    // 7: transverse
                    _ => (w - 1 - oy, ox),                                      // 8: rotate 90 counter-clockwise
                };
                dst[oy * ow + ox] = src[sy * w + sx];
            }
        }
    }
}
