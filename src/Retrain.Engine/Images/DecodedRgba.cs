namespace Retrain.Images;

/// <summary>
/// Decoded pixels in a pooled buffer, 4 bytes per pixel (R, G, B, then an alpha byte nobody reads): RGBA is the
/// layout libjpeg-turbo and Skia's swizzlers write fastest, and the resize reads it directly.
/// </summary>
internal sealed class DecodedRgba : IDisposable
{
    public const int BytesPerPixel = 4;

    private PooledBytes _buffer;

    public DecodedRgba(int width, int height)
    {
        Width = width;
        Height = height;
        _buffer = new PooledBytes(checked(width * height * BytesPerPixel));
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Array => _buffer.Array;

    public Span<byte> Span => _buffer.Span;

    public int RowBytes => Width * BytesPerPixel;

    /// <summary>Copies into a tightly packed RGB image (the public shape), dropping the alpha byte.</summary>
    public RgbImage ToRgbImage()
    {
        var rgb = new byte[Width * Height * 3];
        var src = Span;
        for (int s = 0, d = 0; d < rgb.Length; s += BytesPerPixel, d += 3)
        {
            rgb[d] = src[s];
            rgb[d + 1] = src[s + 1];
            rgb[d + 2] = src[s + 2];
        }

        return new RgbImage(Width, Height, rgb);
    }

    public void Dispose() => _buffer.Dispose();
}
