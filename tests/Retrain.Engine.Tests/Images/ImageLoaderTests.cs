using System.Runtime.InteropServices;
using Retrain.Errors;
using Retrain.Images;
using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>The full decode -> resize -> normalise pipeline, against TF-made reference tensors from shared data.</summary>
public class ImageLoaderTests
{
    private static readonly ImagePreprocessing Inception = new(299, 299, 127.5f, 127.5f);

    private static float[] Reference(string image)
    {
        var bytes = File.ReadAllBytes(SharedData.Path($"models/inception_v3/reference/{image}.input.f32"));
        Assert.Equal(299 * 299 * 3 * sizeof(float), bytes.Length);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray(); // raw little-endian float32, as this machine is
    }

    private static (float MaxAbs, double MeanAbs) Difference(float[] expected, float[] actual)
    {
        float max = 0;
        double sum = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(expected[i] - actual[i]);
            max = Math.Max(max, d);
            sum += d;
        }

        return (max, sum / expected.Length);
    }

    [Theory]
    [InlineData("grace_hopper.bmp")]
    [InlineData("cat.bmp")]
    [InlineData("bird.bmp")]
    [InlineData("dragonfly.bmp")]
    public void LoadInto_ReferenceBmps_ReproduceTheTfInputTensor(string image)
    {
        var expected = Reference(image);
        var actual = new float[Inception.TensorLength];

        ImageLoader.LoadInto(SharedData.Path($"images/imagenet/{image}"), Inception, actual);

        var (max, mean) = Difference(expected, actual);
        TestContext.Current.TestOutputHelper?.WriteLine($"{image}: max abs {max:E3}, mean abs {mean:E3}");
        Assert.True(max <= 1e-4f, $"{image}: max abs difference {max} > 1e-4 (mean {mean})");
    }

    [Theory]
    [InlineData("cat_720p.jpg")]
    [InlineData("hot_dog.jpg")]
    public void LoadInto_ReferenceJpegs_AreCloseToTheTfInputTensor(string image)
    {
        // Loose: TF decodes JPEG with libjpeg's IFAST DCT, Skia with ISLOW, so pixels differ by a few levels.
        var expected = Reference(image);
        var actual = new float[Inception.TensorLength];

        ImageLoader.LoadInto(SharedData.Path($"images/imagenet/{image}"), Inception, actual);

        var (max, mean) = Difference(expected, actual);
        TestContext.Current.TestOutputHelper?.WriteLine($"{image}: max abs {max:E3}, mean abs {mean:E3}");
        Assert.True(mean < 0.02, $"{image}: mean abs difference {mean} >= 0.02 (max {max})");
        Assert.True(max < 0.25f, $"{image}: max abs difference {max} >= 0.25 (mean {mean})");
    }

    [Fact]
    public void LoadInto_FlatColour_GivesMeanAndStdNormalisedValues()
    {
        var png = GeneratedImages.Encode(GeneratedImages.Rgb(5, 3, (_, _) => (0, 128, 255)), 5, 3, SKEncodedImageFormat.Png);
        var prep = new ImagePreprocessing(4, 6, 128f, 128f);
        var tensor = new float[prep.TensorLength];

        ImageLoader.LoadInto(png, "flat.png", prep, tensor);

        for (var i = 0; i < tensor.Length; i += 3)
        {
            Assert.Equal((-1f, 0f, 127f / 128f), (tensor[i], tensor[i + 1], tensor[i + 2]));
        }
    }

    [Fact]
    public void LoadInto_EqualsDecodeThenResizeThenNormalise()
    {
        var jpeg = GeneratedImages.Encode(GeneratedImages.NoiseRgb(123, 77, seed: 9), 123, 77, SKEncodedImageFormat.Jpeg, 85);
        var prep = new ImagePreprocessing(50, 60, 127.5f, 127.5f);
        var loaded = new float[prep.TensorLength];
        var resized = new float[prep.TensorLength];

        ImageLoader.LoadInto(jpeg, "noise.jpg", prep, loaded);
        TfBilinearResize.Resize(ImageDecoder.Decode(jpeg, "noise.jpg"), 50, 60, resized);

        var invStd = (float)(1.0 / 127.5);
        Assert.Equal(resized.Select(v => (v - 127.5f) * invStd), loaded);
    }

    [Fact]
    public void LoadInto_PathAndBytes_Agree_AndWriteOnlyTheirSlot()
    {
        var png = GeneratedImages.Encode(GeneratedImages.NoiseRgb(40, 30, seed: 3), 40, 30, SKEncodedImageFormat.Png);
        using var dir = new TempFolder();
        var path = dir.Write("n.png", png);
        var prep = new ImagePreprocessing(16, 16, 0f, 1f);
        var batch = new float[prep.TensorLength * 3];
        Array.Fill(batch, float.NaN);

        ImageLoader.LoadInto(path, prep, batch.AsSpan(prep.TensorLength, prep.TensorLength));
        var fromBytes = new float[prep.TensorLength];
        ImageLoader.LoadInto(png, path, prep, fromBytes);

        Assert.Equal(fromBytes, batch.AsSpan(prep.TensorLength, prep.TensorLength).ToArray());
        Assert.All(batch.AsSpan(0, prep.TensorLength).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(batch.AsSpan(2 * prep.TensorLength).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void LoadInto_WrongDestinationLength_IsACallerBug()
    {
        var png = GeneratedImages.Encode([1, 2, 3], 1, 1, SKEncodedImageFormat.Png);
        Assert.Throws<ArgumentException>(() => ImageLoader.LoadInto(png, "p.png", new ImagePreprocessing(2, 2, 0, 1), new float[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageLoader.LoadInto(png, "p.png", new ImagePreprocessing(2, 2, 0, 0), new float[12]));
    }

    [Fact]
    public void LoadInto_BadImage_IsARetrainException()
    {
        var error = Assert.Throws<RetrainException>(
            () => ImageLoader.LoadInto("not an image"u8, "x.jpg", Inception, new float[Inception.TensorLength]));
        Assert.Equal(ExitCode.BadImage, error.Code);
    }

    [Fact]
    public void LoadInto_ReducedScaleJpeg_IsOptInAndNeverDecodesBelowTheTarget()
    {
        var jpeg = GeneratedImages.Encode(GeneratedImages.Rgb(800, 600, (x, y) => ((byte)(x / 4), (byte)(y / 3), 90)), 800, 600,
            SKEncodedImageFormat.Jpeg, 95);
        var reduced = ImageDecodeOptions.Default with { ReducedScaleJpeg = true };

        using (var exact = SkiaPixelDecoder.Decode(jpeg, "big.jpg", ImageDecodeOptions.Default, 224, 224))
        {
            Assert.Equal((800, 600), (exact.Width, exact.Height));
        }

        using (var small = SkiaPixelDecoder.Decode(jpeg, "big.jpg", reduced, 224, 224))
        {
            // libjpeg-turbo scales by k/8: 3/8 gives 300x225; 2/8 would give 200x150, below the 224 target.
            Assert.Equal((300, 225), (small.Width, small.Height));
        }

        // A smooth image survives the reduced decode almost unchanged, but not bit for bit.
        var prep = new ImagePreprocessing(224, 224, 127.5f, 127.5f);
        float[] a = new float[prep.TensorLength], b = new float[prep.TensorLength];
        ImageLoader.LoadInto(jpeg, "big.jpg", prep, a);
        ImageLoader.LoadInto(jpeg, "big.jpg", prep, b, reduced);
        var (max, mean) = Difference(a, b);
        Assert.True(mean < 0.02 && max > 0, $"reduced-scale decode: mean abs {mean}, max abs {max}");
    }

    [Fact]
    public void LoadInto_ReducedScaleJpeg_LeavesOtherFormatsAlone()
    {
        var png = GeneratedImages.Encode(GeneratedImages.NoiseRgb(800, 600, seed: 1), 800, 600, SKEncodedImageFormat.Png);

        using var pixels = SkiaPixelDecoder.Decode(png, "big.png", ImageDecodeOptions.Default with { ReducedScaleJpeg = true }, 100, 100);

        Assert.Equal((800, 600), (pixels.Width, pixels.Height));
    }

    [Fact]
    public void LoadInto_AllFlowerPhotos_Decode()
    {
        var root = SharedData.Path("datasets/flower_photos_dev");
        var files = Directory.GetFiles(root, "*.jpg", SearchOption.AllDirectories);
        Assert.True(files.Length >= 700, $"expected the 750 dev photos, found {files.Length}");
        var prep = new ImagePreprocessing(224, 224, 127.5f, 127.5f);

        Parallel.ForEach(files, () => new float[prep.TensorLength], (file, _, tensor) =>
        {
            ImageLoader.LoadInto(file, prep, tensor);
            var (min, max) = (tensor.Min(), tensor.Max());
            Assert.True(min >= -1f && max <= 1f, $"{file}: values in [{min}, {max}]");
            return tensor;
        }, _ => { });
    }
}
