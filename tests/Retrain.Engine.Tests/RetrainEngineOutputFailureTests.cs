using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// Issue 5, outputs that cannot be written. A location that is unwritable from the start fails in a second with an
/// IoError naming the flag, before any image is read. One that breaks during the run (here: the output folder is
/// replaced by a file once training has started, the deterministic stand-in for a disk that fills up or a share that
/// goes read-only) fails with an IoError naming the file, and every bottleneck already computed survives for the
/// next run.
/// </summary>
public sealed class RetrainEngineOutputFailureTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly RetrainOptions _options;

    public RetrainEngineOutputFailureTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 6, classes: ["blue", "red"]);
        _options = TinyRuns.Options(_work.Path, _imageDir, TinyBackbone.Write(_work.Path));
    }

    public void Dispose() => _work.Dispose();

    public static TheoryData<string> Flags() => ["--output_graph", "--output_labels", "--bottleneck_dir", "--evaluation_json"];

    [Theory]
    [MemberData(nameof(Flags))]
    public void LocationUnderARegularFile_IsAnIoErrorBeforeAnyWork(string flag)
    {
        // A folder cannot be created under a file, even by root, so this works where chmod would not.
        var blocker = _work.File("not-a-folder.txt");
        var inside = Path.Combine(blocker, "sub");
        var bad = flag switch
        {
            "--output_graph" => _options with { OutputGraph = Path.Combine(inside, "g.pb") },
            "--output_labels" => _options with { OutputLabels = Path.Combine(inside, "l.txt") },
            "--evaluation_json" => _options with { EvaluationJson = Path.Combine(inside, "evaluation.json") },
            _ => _options with { BottleneckDir = inside },
        };
        var log = new LogCapture();

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(bad, log.Logger, CancellationToken.None));

        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains(flag, error.Message, StringComparison.Ordinal);
        Assert.Contains(inside, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{blocker}' is a file, not a folder", error.Message, StringComparison.Ordinal);
        Assert.Empty(log.Events); // not even the image folder was listed
        Assert.Equal("x", File.ReadAllText(blocker));
    }

    [Fact]
    public void OutputFolderBrokenDuringTraining_IsAnIoErrorAndKeepsEveryBottleneck()
    {
        var outputFolder = Path.GetDirectoryName(_options.OutputGraph)!;
        var sink = new OnMessage("Step 0: Train accuracy", () =>
        {
            Directory.Delete(outputFolder, recursive: true);
            File.WriteAllText(outputFolder, "in the way");
        });
        using var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(_options, logger, CancellationToken.None));

        Assert.True(sink.Fired);
        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains(_options.OutputGraph, error.Message, StringComparison.Ordinal);
        using var cache = TinyRuns.Cache(_options.BottleneckDir);
        Assert.All(Directory.GetFiles(_imageDir, "*", SearchOption.AllDirectories), image => Assert.True(TinyRuns.HasVector(cache, image), image));

        File.Delete(outputFolder);
        var log = new LogCapture();
        var rerun = RetrainEngine.Run(_options, log.Logger, CancellationToken.None);

        Assert.Equal((0, 12), (rerun.BottlenecksComputed, rerun.BottlenecksReused));
        Assert.Contains(log.Events, e => e.RenderMessage().StartsWith("Bottlenecks ready: 0 computed, 12 reused from cache", StringComparison.Ordinal));
        Assert.True(File.Exists(_options.OutputGraph));
    }

    /// <summary>Runs an action, once, when the engine logs a message starting with a given text: a hook at a known point of a run.</summary>
    private sealed class OnMessage(string prefix, Action action) : ILogEventSink
    {
        public bool Fired { get; private set; }

        public void Emit(LogEvent logEvent)
        {
            if (!Fired && logEvent.RenderMessage().StartsWith(prefix, StringComparison.Ordinal))
            {
                Fired = true;
                action();
            }
        }
    }
}
