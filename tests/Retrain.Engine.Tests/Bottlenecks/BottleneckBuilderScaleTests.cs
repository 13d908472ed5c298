using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.Images;
using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Bottlenecks;

/// <summary>
/// Bottleneck creation at scale, on a small generated backbone and generated photos: the decoded images held in memory
/// stay under a bound that does not depend on the number of images, and the cache writer finishes (or fails loudly)
/// before Build returns. Not timed: the bound is counted, not measured.
/// </summary>
public class BottleneckBuilderScaleTests
{
    private const int Size = 48;
    private const int Features = 16;

    [Fact]
    public void DecodedImagesInMemory_StayUnderTheSameBound_ForNAndFourTimesNImages()
    {
        using var dir = new TempFolder();
        using var model = OpenTinyBackbone(dir);
        const int n = 24;
        var paths = WriteImages(dir, 4 * n);

        var peaks = new List<int>();
        foreach (var count in new[] { n, 4 * n })
        {
            var builder = new BottleneckBuilder(model, cache: null, new LogCapture().Logger, batchSize: 4, decodeWorkers: 2);
            var set = builder.Build(paths[..count], CancellationToken.None);

            Assert.Equal(count, set.Computed);
            Assert.Equal((long)count * Features, set.Vectors.Length); // the only part that grows: the result itself
            Assert.InRange(builder.PeakImagesInFlight, 1, builder.MaxImagesInFlight);
            peaks.Add(builder.PeakImagesInFlight);
        }

        // 4x the images, and still no more decoded images at once than the channel, one batch and the decoders hold.
        Assert.Equal(2 * 4 + 4 + 2, new BottleneckBuilder(model, null, new LogCapture().Logger, 4, 2).MaxImagesInFlight);
        Assert.All(peaks, p => Assert.True(p <= 14, $"peak {p} decoded images in flight"));
    }

    [Fact]
    public void Build_WritesEveryVectorToTheCacheBeforeReturning()
    {
        using var dir = new TempFolder();
        using var model = OpenTinyBackbone(dir);
        var paths = WriteImages(dir, 30);
        using var cache = new BottleneckCache(Path.Combine(dir.Path, "cache"), model.CacheKey, model.OutputLength);

        var first = new BottleneckBuilder(model, cache, new LogCapture().Logger, batchSize: 8).Build(paths, CancellationToken.None);
        var second = new BottleneckBuilder(model, cache, new LogCapture().Logger, batchSize: 8).Build(paths, CancellationToken.None);

        Assert.Equal((30, 0), (first.Computed, first.Reused));
        Assert.Equal((0, 30), (second.Computed, second.Reused));
        Assert.Equal(first.Vectors, second.Vectors);
        Assert.Equal(30, cache.Inspect().IntactKeys.Count);
    }

    [Fact]
    public void Build_WhenTheCacheCannotBeWritten_ReportsTheWriteFailureNotACancellation()
    {
        using var dir = new TempFolder();
        using var model = OpenTinyBackbone(dir);
        var paths = WriteImages(dir, 12);
        var notAFolder = dir.File("cache-is-a-file");
        using var cache = new BottleneckCache(notAFolder, model.CacheKey, model.OutputLength);

        var e = Assert.Throws<RetrainException>(() =>
            new BottleneckBuilder(model, cache, new LogCapture().Logger, batchSize: 4).Build(paths, CancellationToken.None));
        Assert.Equal(ExitCode.IoError, e.Code);
    }

    /// <summary>Two 3x3 convolutions and a global mean: a few milliseconds per image, slower than decoding a tiny PNG.</summary>
    private static LoadedModel OpenTinyBackbone(TempFolder dir)
    {
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, Size, Size, 3);
        g.Const("w1", ReferenceOps.Values(3 * 3 * 3 * 32, seed: 1), 3, 3, 3, 32);
        g.Op("Conv2D", "conv1", ["input", "w1"], Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"), Str("data_format", "NHWC"));
        g.Op("Relu", "relu1", ["conv1"]);
        g.Const("w2", ReferenceOps.Values(3 * 3 * 32 * Features, seed: 2), 3, 3, 32, Features);
        g.Op("Conv2D", "conv2", ["relu1", "w2"], Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"), Str("data_format", "NHWC"));
        g.IntConst("axes", [1, 2], 2);
        g.Op("Mean", "features", ["conv2", "axes"]);
        var path = Path.Combine(dir.Path, "tiny.pb");
        GraphDefFile.Save(g.Graph, path);
        var overrides = new ModelOverrides("input", "features", Size, Size, 127.5f, 127.5f);
        return LoadedModel.OpenBackbone(path, overrides, new InferenceSettings(IntraOpThreads: 1));
    }

    private static string[] WriteImages(TempFolder dir, int count) =>
        Enumerable.Range(0, count)
            .Select(i => dir.Write($"img{i:0000}.png", GeneratedImages.Encode(GeneratedImages.NoiseRgb(12, 10, seed: i), 12, 10, SKEncodedImageFormat.Png)))
            .ToArray();
}
