using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 4: a FIFO where retrain reads a file blocked open(2) for ever, deaf to SIGINT and SIGTERM. Given
/// as a flag it is an error naming the flag; inside the bottleneck cache or retrain.py's folder it is skipped with a
/// warning naming it, and the run goes on.
/// </summary>
public sealed class FifoInputTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task FifoNamedLikeAPackInTheCache_IsSkippedWithAWarning()
    {
        var options = TinyOptions();
        var first = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var fifo = SpecialFiles.Fifo(Path.Combine(Directory.GetDirectories(options.BottleneckDir).Single(), "vectors-foreign.bnp"));
        var snapshot = InputSnapshot.Take(_work.Path);
        var log = new LogCapture();

        var again = await SpecialFiles.WithoutHanging(() => RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken), Limit, fifo);

        Assert.Equal(first.BottlenecksComputed, again.BottlenecksReused);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains(fifo, StringComparison.Ordinal) && m.Contains("it is a named pipe (FIFO), not a regular file", StringComparison.Ordinal));
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"));
    }

    [Fact]
    public async Task FifoAsTfhubModule_IsABadModelErrorNamingTheFlag()
    {
        var fifo = SpecialFiles.Fifo(Path.Combine(_work.Path, "model", "backbone.pb"));
        var options = TinyOptions() with { TfhubModule = fifo };
        var snapshot = InputSnapshot.Take(_work.Path);

        var error = await Assert.ThrowsAsync<RetrainException>(() => SpecialFiles.WithoutHanging(
            () => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken), Limit, fifo));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains($"Cannot read model file '{fifo}': it is a named pipe (FIFO), not a regular file. Check the path given with --tfhub_module", error.Message, StringComparison.Ordinal);
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    [Fact]
    public async Task FifoAsCheckpointPath_IsAnIoErrorNamingTheFlag()
    {
        var fifo = SpecialFiles.Fifo(Path.Combine(_work.Path, "run", "model.ckpt"));
        var options = TinyOptions() with { CheckpointPath = fifo };
        var snapshot = InputSnapshot.Take(_work.Path);

        var error = await Assert.ThrowsAsync<RetrainException>(() => SpecialFiles.WithoutHanging(
            () => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken), Limit, fifo));

        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains($"Cannot read checkpoint (--checkpoint_path) '{fifo}': it is a named pipe (FIFO), not a regular file.", error.Message, StringComparison.Ordinal);
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    [Fact]
    public async Task FifoInRetrainPyBottleneckDir_IsIgnoredWithAWarning_AndItsVectorComputed()
    {
        var options = TinyOptions();
        var legacy = Path.Combine(_work.Path, "retrain_py");
        var image = Directory.GetFiles(Path.Combine(options.ImageDir, "red")).Order(StringComparer.Ordinal).First();
        var fifo = SpecialFiles.Fifo(Path.Combine(legacy, "red", Path.GetFileName(image) + ".txt"));
        var snapshot = InputSnapshot.Take(_work.Path);
        var log = new LogCapture();

        var result = await SpecialFiles.WithoutHanging(
            () => RetrainEngine.Run(options with { RetrainPyBottleneckDir = legacy }, log.Logger, TestContext.Current.CancellationToken), Limit, fifo);

        Assert.Equal(0, result.BottlenecksImported);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains(fifo, StringComparison.Ordinal) && m.Contains("it is a named pipe (FIFO), not a regular file", StringComparison.Ordinal));
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    [Fact]
    public async Task FifoAsLabelImageGraphOrLabels_IsABadModelErrorNamingTheFlag()
    {
        var options = TinyOptions();
        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var image = Directory.GetFiles(Path.Combine(options.ImageDir, "blue")).First();
        var graphFifo = SpecialFiles.Fifo(Path.Combine(_work.Path, "pipes", "graph.pb"));
        var labelsFifo = SpecialFiles.Fifo(Path.Combine(_work.Path, "pipes", "labels.txt"));
        var snapshot = InputSnapshot.Take(_work.Path);

        var graphError = await Assert.ThrowsAsync<RetrainException>(() => SpecialFiles.WithoutHanging(
            () => LabelImageEngine.Run(new LabelImageOptions { Graph = graphFifo, Labels = options.OutputLabels, Images = [image] }, new LogCapture().Logger, TestContext.Current.CancellationToken),
            Limit,
            graphFifo));
        var labelsError = await Assert.ThrowsAsync<RetrainException>(() => SpecialFiles.WithoutHanging(
            () => LabelImageEngine.Run(new LabelImageOptions { Graph = options.OutputGraph, Labels = labelsFifo, Images = [image] }, new LogCapture().Logger, TestContext.Current.CancellationToken),
            Limit,
            labelsFifo));

        Assert.Equal(ExitCode.BadModel, graphError.Code);
        Assert.Contains($"Cannot read model file '{graphFifo}': it is a named pipe (FIFO), not a regular file.", graphError.Message, StringComparison.Ordinal);
        Assert.Contains("--graph (label-image)", graphError.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCode.BadModel, labelsError.Code);
        Assert.Contains($"Cannot read labels file (label-image --labels) '{labelsFifo}': it is a named pipe (FIFO), not a regular file.", labelsError.Message, StringComparison.Ordinal);
        snapshot.AssertUnchanged();
    }

    private RetrainOptions TinyOptions()
    {
        var imageDir = Path.Combine(_work.Path, "images");
        if (!Directory.Exists(imageDir))
        {
            TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        }

        return TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path));
    }
}
