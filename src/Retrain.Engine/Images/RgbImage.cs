namespace Retrain.Images;

/// <summary>
/// A decoded image as TensorFlow's <c>decode_image(channels=3)</c> yields it: 8-bit RGB, interleaved, row-major,
/// no padding between rows.
/// </summary>
internal sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"{width}x{height} RGB needs {(long)width * height * 3} bytes, got {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>R, G, B bytes of pixel (x, y) start at <c>(y * Width + x) * 3</c>.</summary>
    public byte[] Pixels { get; }
}
