using Retrain.Images;
using Retrain.Reports;
using Retrain.Tests.Images;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Reports;

/// <summary>
/// The report's thumbnails show a photo as a viewer does: a phone photo stored sideways with an EXIF Orientation tag
/// comes out upright (the blocks JPEG and layouts of <see cref="ExifOrientationTests"/>).
/// </summary>
public sealed class ThumbnailsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1, "ABC|DEF")]
    [InlineData(2, "CBA|FED")]     // mirror left-right
    [InlineData(3, "FED|CBA")]     // rotate 180
    [InlineData(4, "DEF|ABC")]     // mirror top-bottom
    [InlineData(5, "AD|BE|CF")]    // transpose
    [InlineData(6, "DA|EB|FC")]    // rotate 90 clockwise, as a phone held upright stores it
    [InlineData(7, "FC|EB|DA")]    // transverse
    [InlineData(8, "CF|BE|AD")]    // rotate 90 counter-clockwise
    public void Of_PhotoWithExifOrientation_IsUpright(int orientation, string shown)
    {
        var path = Path.Combine(_folder.Path, $"orientation-{orientation}.jpg");
        File.WriteAllBytes(path, GeneratedImages.WithExifOrientation(ExifOrientationTests.BlocksJpeg(), (ushort)orientation));

        var thumbnail = Thumbnails.Of(path);

        Assert.NotNull(thumbnail);
        var image = ImageDecoder.Decode(thumbnail, "thumbnail.jpg");
        var rows = shown.Split('|');
        Assert.Equal((rows[0].Length * 16, rows.Length * 16), (image.Width, image.Height));
        for (var by = 0; by < rows.Length; by++)
        {
            for (var bx = 0; bx < rows[by].Length; bx++)
            {
                var block = rows[by][bx];
                PixelAssert.Near(ExifOrientationTests.Colours[block], PixelAssert.At(image, (bx * 16) + 8, (by * 16) + 8), 16, $"block {block} at ({bx},{by})");
            }
        }
    }
}
