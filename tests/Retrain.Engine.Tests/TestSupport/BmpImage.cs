using System.Buffers.Binary;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// A test-only reader for the uncompressed 24-bit BMPs in shared/images (so the importer's accuracy tests do not
/// depend on the production image decoder). Pixels come out as interleaved RGB bytes, top row first.
/// </summary>
public sealed record BmpImage(int Width, int Height, byte[] Rgb)
{
    public static BmpImage Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 54 || bytes[0] != 'B' || bytes[1] != 'M')
        {
            throw new InvalidDataException($"{path} is not a BMP file");
        }

        var pixelOffset = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(10));
        var width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(18));
        var height = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(22));
        var bitsPerPixel = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(28));
        var compression = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(30));
        if (bitsPerPixel != 24 || compression != 0)
        {
            throw new InvalidDataException($"{path}: only uncompressed 24-bit BMPs are supported, not {bitsPerPixel}-bit compression {compression}");
        }

        // Rows are padded to 4 bytes and stored bottom-up unless the height is negative.
        var bottomUp = height > 0;
        height = Math.Abs(height);
        var stride = ((width * 3) + 3) & ~3;
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var row = pixelOffset + ((bottomUp ? height - 1 - y : y) * stride);
            for (var x = 0; x < width; x++)
            {
                var source = row + (x * 3);
                var target = ((y * width) + x) * 3;
                rgb[target] = bytes[source + 2];
                rgb[target + 1] = bytes[source + 1];
                rgb[target + 2] = bytes[source];
            }
        }

        return new BmpImage(width, height, rgb);
    }
}
