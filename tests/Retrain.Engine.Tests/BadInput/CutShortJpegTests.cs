using Retrain.Errors;
using Retrain.Images;
using Retrain.Tests.Images;
using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, "also decide": JPEGs that libjpeg decodes with a grey fill and only a warning. Decision: they are skipped
/// like any other corrupt photo (BadImage naming the file), never trained on; complete JPEGs, grey ones included,
/// decode exactly as before.
/// </summary>
public class CutShortJpegTests
{
    private static byte[] Photo() =>
        GeneratedImages.Encode(GeneratedImages.NoiseRgb(160, 120, seed: 3), 160, 120, SKEncodedImageFormat.Jpeg, 90);

    private static void AssertRefused(byte[] jpeg, string name, string reason)
    {
        var error = Assert.Throws<RetrainException>(() => ImageDecoder.Decode(jpeg, name));
        Assert.Equal(ExitCode.BadImage, error.Code);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("re-download or re-export the image, or delete it", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public void DataCutShortButEndingInEoi_IsRefused(double kept)
    {
        var jpeg = Photo();
        byte[] cut = [.. jpeg[..(int)(jpeg.Length * kept)], 0xFF, 0xD9];

        AssertRefused(cut, "cut.jpg", "(cut short), so the decoder would fill the rest with flat grey");
    }

    [Fact]
    public void HeaderClaiming10000x10000Over26KB_IsRefusedBeforeDecoding()
    {
        var small = GeneratedImages.Encode(GeneratedImages.NoiseRgb(128, 96, seed: 4), 128, 96, SKEncodedImageFormat.Jpeg, 95);
        var claimed = GeneratedImages.WithDeclaredJpegSize(small, 10000, 10000);
        Assert.InRange(claimed.Length, 10_000, 40_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        AssertRefused(claimed, "claims.jpg", "the header declares 10000x10000 pixels, but the file's");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "pixels were allocated before refusing");
    }

    [Theory]
    [InlineData(128)] // ends in exactly the decoder's fill colour: the data walk runs and must find every block
    [InlineData(40)]
    public void CompleteJpeg_DecodesAsBefore(byte level)
    {
        var flat = GeneratedImages.Rgb(37, 29, (_, _) => (level, level, level));
        var jpeg = GeneratedImages.Encode(flat, 37, 29, SKEncodedImageFormat.Jpeg, 90);

        Assert.Null(JpegDataCheck.ImpossiblySmall(jpeg));
        Assert.Null(JpegDataCheck.CutShort(jpeg));
        var image = ImageDecoder.Decode(jpeg, "flat.jpg");
        Assert.Equal(37, image.Width);
        Assert.Equal(level == 128, JpegDataCheck.EndsInGreyFill([.. image.Pixels.Chunk(3).SelectMany(p => p.Append((byte)255))], 37, 29));
    }

    [Fact]
    public void EveryRealPhoto_IsWalkedToItsLastBlock()
    {
        var photos = Directory.GetFiles(SharedData.Path("datasets/flower_photos_dev"), "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Where((_, i) => i % 5 == 0)
            .Append(SharedData.Path("images/imagenet/hot_dog.jpg"))
            .Append(SharedData.Path("images/imagenet/cat_720p.jpg"));

        Assert.All(photos, photo =>
        {
            var bytes = File.ReadAllBytes(photo);
            Assert.Null(JpegDataCheck.ImpossiblySmall(bytes));
            Assert.Null(JpegDataCheck.CutShort(bytes));
            var cut = bytes[..(bytes.Length * 3 / 4)].Concat(new byte[] { 0xFF, 0xD9 }).ToArray();
            Assert.NotNull(JpegDataCheck.CutShort(cut));
        });
    }
}
