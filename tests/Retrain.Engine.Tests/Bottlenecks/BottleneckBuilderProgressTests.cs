using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Bottlenecks;

/// <summary>
/// The progress lines a long bottleneck run logs say where each vector came from: computed, found in the cache, or
/// taken from retrain.py's files. The interval between lines is shortened so a run of a few images shows them.
/// </summary>
public sealed class BottleneckBuilderProgressTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly IReadOnlyList<string> _images;
    private readonly LoadedModel _model;

    public BottleneckBuilderProgressTests()
    {
        _images = TinyDataset.Create(Path.Combine(_work.Path, "images"), perClass: 6);
        _model = LoadedModel.OpenBackbone(TinyBackbone.Write(_work.Path), TinyBackbone.Overrides, new InferenceSettings(IntraOpThreads: 1));
    }

    public void Dispose()
    {
        _model.Dispose();
        _work.Dispose();
    }

    [Fact]
    public void ProgressLines_CountCachedVectors_AndNameNoImportWhenThereIsNone()
    {
        using var cache = new BottleneckCache(Path.Combine(_work.Path, "cache"), _model.CacheKey, _model.OutputLength);
        Build(cache, retrainPy: null);
        var log = Build(cache, retrainPy: null);

        // Threads report concurrently, so the line of the last vector found need not be the last line logged.
        var lines = ProgressLines(log);
        Assert.Contains(lines, l => l.StartsWith($"Bottlenecks: {_images.Count}/{_images.Count} ({_images.Count} from cache, ", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.DoesNotContain("retrain.py", l, StringComparison.Ordinal));
    }

    [Fact]
    public void ProgressLines_CountVectorsFromRetrainPyFiles_ApartFromTheCache()
    {
        var legacy = Path.Combine(_work.Path, "retrain-py");
        foreach (var image in _images)
        {
            RetrainPyFiles.Write(legacy, image, string.Empty, new float[TinyBackbone.BottleneckLength]);
        }

        using var cache = new BottleneckCache(Path.Combine(_work.Path, "cache"), _model.CacheKey, _model.OutputLength);
        var retrainPy = RetrainPyBottlenecks.Open(legacy, null, _images, _model.OutputLength, new LogCapture().Logger);
        var log = Build(cache, retrainPy);

        Assert.Contains(
            ProgressLines(log),
            l => l.StartsWith($"Bottlenecks: {_images.Count}/{_images.Count} (0 from cache, {_images.Count} from retrain.py's files, ", StringComparison.Ordinal));
    }

    [Fact]
    public void ProgressSink_GetsStartAdvanceFinish_InsteadOfTheProgressLines()
    {
        var sink = new RecordingProgressSink();
        var log = Build(cache: null, retrainPy: null, sink);

        var calls = sink.Calls;
        Assert.Equal($"Start Bottlenecks {_images.Count} Images", calls[0]);
        Assert.Equal("Finish", calls[^1]);
        Assert.Single(calls, c => c.StartsWith("Start", StringComparison.Ordinal));
        Assert.Single(calls, c => c == "Finish");
        Assert.Equal(_images.Count, sink.Advances.Max());
        Assert.All(sink.Advances, d => Assert.InRange(d, 1, _images.Count));

        // The bar replaces the periodic lines; the summary line stays in the log.
        var messages = log.Messages(LogEventLevel.Information).ToList();
        Assert.DoesNotContain(messages, m => m.StartsWith("Bottlenecks: ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith($"Bottlenecks ready: {_images.Count} computed", StringComparison.Ordinal));
    }

    private LogCapture Build(BottleneckCache? cache, RetrainPyBottlenecks? retrainPy, RecordingProgressSink? sink = null)
    {
        var log = new LogCapture();
        var builder = new BottleneckBuilder(_model, cache, log.Logger, batchSize: 4, retrainPy: retrainPy) { ProgressInterval = TimeSpan.Zero, Progress = sink };
        builder.Build(_images, CancellationToken.None);
        return log;
    }

    private static List<string> ProgressLines(LogCapture log)
    {
        var lines = log.Messages(LogEventLevel.Information).Where(m => m.StartsWith("Bottlenecks: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        return lines;
    }
}
