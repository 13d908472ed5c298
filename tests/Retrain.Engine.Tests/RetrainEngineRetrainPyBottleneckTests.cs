using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// A user moving from retrain.py keeps the vectors it spent hours on: with --retrain_py_bottleneck_dir, images the
/// cache lacks take their vector from retrain.py's text files, which then live in the cache like computed ones.
/// </summary>
public sealed class RetrainEngineRetrainPyBottleneckTests : IDisposable
{
    private const string Suffix = "_inception_v3";
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly IReadOnlyList<string> _images;
    private readonly string _model;

    public RetrainEngineRetrainPyBottleneckTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        _images = TinyDataset.Create(_imageDir, perClass: 8);
        _model = TinyBackbone.Write(_work.Path);
    }

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Run_TakesRetrainPyVectors_ComputesTheRest_AndCachesThemForTheNextRun()
    {
        // The vectors this backbone computes, and retrain.py files holding a recognisably different vector per image.
        var computed = ComputedVectors();
        var legacy = Path.Combine(_work.Path, "retrain-py-bottlenecks");
        var noFile = _images[0];
        var cutOff = _images[1];
        foreach (var image in _images.Where(i => i != noFile))
        {
            RetrainPyFiles.Write(legacy, image, Suffix, computed[image].Select(v => (v * 3) + 1).ToArray());
        }

        var cutFile = Path.Combine(legacy, ClassOf(cutOff), Path.GetFileName(cutOff) + Suffix + ".txt");
        File.WriteAllText(cutFile, File.ReadAllText(cutFile)[..5]);

        var log = new LogCapture();
        var options = TinyRuns.Options(Path.Combine(_work.Path, "run"), _imageDir, _model) with { RetrainPyBottleneckDir = legacy };
        var result = RetrainEngine.Run(options, log.Logger, CancellationToken.None);

        Assert.Equal(_images.Count - 2, result.BottlenecksImported);
        Assert.Equal(2, result.BottlenecksComputed);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains(cutFile, StringComparison.Ordinal));
        Assert.Contains(
            log.Messages(LogEventLevel.Information),
            m => m.StartsWith($"Bottlenecks ready: 2 computed, 0 reused from cache, {_images.Count - 2} taken from retrain.py's files, 0 skipped", StringComparison.Ordinal));

        // The cache now holds retrain.py's vectors for the imported images and computed ones for the other two.
        using (var cache = TinyRuns.Cache(options.BottleneckDir))
        {
            foreach (var image in _images)
            {
                var stored = new float[TinyBackbone.BottleneckLength];
                Assert.True(cache.TryRead(BottleneckCache.ContentKey(File.ReadAllBytes(image)), stored), image);
                var expected = image == noFile || image == cutOff ? computed[image] : computed[image].Select(v => (v * 3) + 1).ToArray();
                Assert.Equal(expected, stored);
            }
        }

        // So the next run, even without the flag, reads everything from the cache and trains on the same vectors.
        var again = RetrainEngine.Run(options with { RetrainPyBottleneckDir = null }, new LogCapture().Logger, CancellationToken.None);
        Assert.Equal(0, again.BottlenecksComputed);
        Assert.Equal(_images.Count, again.BottlenecksReused);
        Assert.Equal(result.Training.Layer.Weights, again.Training.Layer.Weights);
    }

    [Fact]
    public void Run_RetrainPyFilesOfAnotherModel_StopsWithABadModelError()
    {
        var legacy = Path.Combine(_work.Path, "retrain-py-bottlenecks");
        RetrainPyFiles.Write(legacy, _images[3], Suffix, new float[2048]);
        var options = TinyRuns.Options(Path.Combine(_work.Path, "run"), _imageDir, _model) with { RetrainPyBottleneckDir = legacy };

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains(Path.GetFileName(_images[3]) + Suffix + ".txt", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(options.OutputGraph));
        Assert.Empty(Directory.EnumerateFiles(options.BottleneckDir, "*", SearchOption.AllDirectories)); // stopped before any vector
    }

    [Fact]
    public void Run_RetrainPyFilesWithReducedScaleJpeg_IsAUsageError()
    {
        var options = TinyRuns.Options(Path.Combine(_work.Path, "run"), _imageDir, _model) with { RetrainPyBottleneckDir = _work.Path, ReducedScaleJpeg = true };

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--reduced_scale_jpeg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SuffixWithoutFolder_IsAUsageErrorNamingTheFlag()
    {
        var options = TinyRuns.Options(Path.Combine(_work.Path, "run"), _imageDir, _model) with { RetrainPyBottleneckSuffix = Suffix };

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--retrain_py_bottleneck_suffix", e.Message, StringComparison.Ordinal);
    }

    private static string ClassOf(string image) => Path.GetFileName(Path.GetDirectoryName(image))!;

    private Dictionary<string, float[]> ComputedVectors()
    {
        var options = TinyRuns.Options(Path.Combine(_work.Path, "reference"), _imageDir, _model);
        RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);
        using var cache = TinyRuns.Cache(options.BottleneckDir);
        return _images.ToDictionary(
            i => i,
            i =>
            {
                var vector = new float[TinyBackbone.BottleneckLength];
                Assert.True(cache.TryRead(BottleneckCache.ContentKey(File.ReadAllBytes(i)), vector));
                return vector;
            });
    }
}
