using SkiaSharp;

namespace Retrain.Tests.Images;

/// <summary>Test images drawn and encoded in code with SkiaSharp (PNG, JPEG, WebP), plus JPEG marker surgery.</summary>
internal static class GeneratedImages
{
    /// <summary>RGB bytes (row-major, 3 per pixel) from a colour function.</summary>
    public static byte[] Rgb(int width, int height, Func<int, int, (byte R, byte G, byte B)> colour)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = colour(x, y);
                var i = ((y * width) + x) * 3;
                (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
            }
        }

        return rgb;
    }

    /// <summary>Deterministic pseudo-random RGB, different in every channel, for exactness tests.</summary>
    public static byte[] NoiseRgb(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        random.NextBytes(rgb);
        return rgb;
    }

    public static byte[] Encode(byte[] rgb, int width, int height, SKEncodedImageFormat format, int quality = 100)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var rgba = new byte[width * height * 4];
        for (int s = 0, d = 0; s < rgb.Length; s += 3, d += 4)
        {
            (rgba[d], rgba[d + 1], rgba[d + 2], rgba[d + 3]) = (rgb[s], rgb[s + 1], rgb[s + 2], 255);
        }

        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return EncodeBitmap(bitmap, format, quality);
    }

    public static byte[] EncodeGray(byte[] gray, int width, int height, SKEncodedImageFormat format, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        return EncodeBitmap(bitmap, format, quality);
    }

    public static byte[] EncodeBitmap(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 100)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality) ?? throw new InvalidOperationException($"Skia cannot encode {format}");
        return data.ToArray();
    }

    /// <summary>
    /// Inserts an APP1 Exif segment right after SOI, holding a little-endian TIFF IFD with the single entry
    /// Orientation (tag 0x0112, SHORT) = <paramref name="orientation"/>, as cameras write it.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, // header, IFD0 at offset 8
            0x01, 0x00,                                               // one entry
            0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,           // tag 0x0112, type SHORT, count 1
            (byte)orientation, (byte)(orientation >> 8), 0x00, 0x00,  // value, padded to 4 bytes
            0x00, 0x00, 0x00, 0x00,                                   // no next IFD
        ];
        var segmentLength = 2 + 6 + tiff.Length;
        byte[] app1 = [0xFF, 0xE1, (byte)(segmentLength >> 8), (byte)segmentLength, .. "Exif\0\0"u8, .. tiff];
        return [.. jpeg.AsSpan(0, 2), .. app1, .. jpeg.AsSpan(2)];
    }

    /// <summary>Rewrites the frame header (SOF0/SOF2) to declare another size, leaving the scan data as is.</summary>
    public static byte[] WithDeclaredJpegSize(byte[] jpeg, int width, int height)
    {
        var copy = (byte[])jpeg.Clone();
        for (var i = 2; i + 9 < copy.Length; i++)
        {
            if (copy[i] == 0xFF && copy[i + 1] is 0xC0 or 0xC2)
            {
                (copy[i + 5], copy[i + 6]) = ((byte)(height >> 8), (byte)height);
                (copy[i + 7], copy[i + 8]) = ((byte)(width >> 8), (byte)width);
                return copy;
            }
        }

        throw new InvalidOperationException("no SOF0/SOF2 marker");
    }
}
