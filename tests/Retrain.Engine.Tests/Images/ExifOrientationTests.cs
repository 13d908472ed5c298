using Retrain.Images;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>
/// A 48x32 JPEG of six 16x16 blocks (3 columns, 2 rows) with a hand-spliced EXIF Orientation tag comes out as a
/// viewer shows it. Stored layout:
/// <code>
/// A B C
/// D E F
/// </code>
/// </summary>
public class ExifOrientationTests
{
    internal static readonly Dictionary<char, (byte R, byte G, byte B)> Colours = new()
    {
        ['A'] = (220, 30, 30),
        ['B'] = (30, 200, 30),
        ['C'] = (30, 30, 220),
        ['D'] = (230, 230, 40),
        ['E'] = (20, 20, 20),
        ['F'] = (240, 240, 240),
    };

    internal static byte[] BlocksJpeg()
    {
        const string stored = "ABCDEF";
        var rgb = GeneratedImages.Rgb(48, 32, (x, y) => Colours[stored[(y / 16 * 3) + (x / 16)]]);
        return GeneratedImages.Encode(rgb, 48, 32, SKEncodedImageFormat.Jpeg, 100);
    }

    [Theory]
    [InlineData(1, "ABC|DEF")]
    [InlineData(3, "FED|CBA")]     // rotate 180
    [InlineData(6, "DA|EB|FC")]    // rotate 90 clockwise: the stored left column becomes the top row
    [InlineData(8, "CF|BE|AD")]    // rotate 90 counter-clockwise
    [InlineData(2, "CBA|FED")]     // mirror left-right
    [InlineData(4, "DEF|ABC")]     // mirror top-bottom
    [InlineData(5, "AD|BE|CF")]    // transpose
    [InlineData(7, "FC|EB|DA")]    // transverse (mirror across the anti-diagonal)
    public void Decode_ExifOrientation_ShowsThePhotoUpright(int orientation, string shown)
    {
        var jpeg = GeneratedImages.WithExifOrientation(BlocksJpeg(), (ushort)orientation);

        var image = ImageDecoder.Decode(jpeg, $"orientation-{orientation}.jpg");

        var rows = shown.Split('|');
        Assert.Equal((rows[0].Length * 16, rows.Length * 16), (image.Width, image.Height));
        for (var by = 0; by < rows.Length; by++)
        {
            for (var bx = 0; bx < rows[by].Length; bx++)
            {
                var block = rows[by][bx];
                PixelAssert.Near(Colours[block], PixelAssert.At(image, (bx * 16) + 8, (by * 16) + 8), 12, $"block {block} at ({bx},{by})");
            }
        }
    }

    [Fact]
    public void Decode_ExifOrientationSwitchedOff_KeepsStoredPixelsLikeTensorFlow()
    {
        var jpeg = GeneratedImages.WithExifOrientation(BlocksJpeg(), 6);

        var image = ImageDecoder.Decode(jpeg, "o6.jpg", ImageDecodeOptions.Default with { ApplyExifOrientation = false });

        Assert.Equal((48, 32), (image.Width, image.Height));
        PixelAssert.Near(Colours['A'], PixelAssert.At(image, 8, 8), 12, "top-left block");
    }

    [Fact]
    public void Decode_SplicedExif_IsReadBySkia()
    {
        // Guards the test fixture itself: if the APP1 segment were malformed, every case above would trivially test
        // orientation 1.
        using var codec = SKCodec.Create(SKData.CreateCopy(GeneratedImages.WithExifOrientation(BlocksJpeg(), 6)));
        Assert.Equal(SKEncodedOrigin.RightTop, codec.EncodedOrigin);
    }
}
