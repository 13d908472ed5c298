using Retrain.Errors;
using Retrain.IO;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 11: with `--output_labels /dev/full` the run failed (exit 6) after output_graph.pb had already been
/// renamed into place, so graph and labels disagreed. The final outputs are now one <see cref="OutputTransaction"/>:
/// all written, then all renamed; a failed write leaves every earlier version and no temporary file.
/// </summary>
public sealed class OutputCommitTests : IDisposable
{
    private const string DevFull = "/dev/full";

    private readonly TempFolder _work = new();
    private readonly RetrainOptions _first;

    public OutputCommitTests()
    {
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 6, classes: ["red", "blue"]);
        _first = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path));
    }

    public void Dispose() => _work.Dispose();

    private string OutFolder => Path.GetDirectoryName(_first.OutputGraph)!;

    [Fact]
    public void LabelsOnAFullDevice_KeepTheEarlierGraph()
    {
        if (!File.Exists(DevFull))
        {
            Assert.Skip("No /dev/full on this system.");
        }

        RetrainEngine.Run(_first, new LogCapture().Logger, CancellationToken.None);
        var before = InputSnapshot.Take(_work.Path);

        // Fewer steps: a graph that would differ from the first one, were it written.
        var error = Failed(_first with { HowManyTrainingSteps = TinyRuns.Steps / 2, OutputLabels = DevFull });

        Assert.Contains($"Cannot write '{DevFull}'", error.Message, StringComparison.Ordinal);
        before.AssertUnchanged(_first.BottleneckDir);
    }

    [Fact]
    public void AFailedExport_KeepsTheEarlierGraphAndLabels_AndWritesNoSavedModel()
    {
        if (!File.Exists(DevFull))
        {
            Assert.Skip("No /dev/full on this system.");
        }

        RetrainEngine.Run(_first, new LogCapture().Logger, CancellationToken.None);
        File.WriteAllText(_first.OutputLabels, "labels of an earlier run\n");
        var savedModel = Path.Combine(_work.Path, "saved_model");
        var before = InputSnapshot.Take(_work.Path);

        var error = Failed(_first with { HowManyTrainingSteps = TinyRuns.Steps / 2, SavedModelDir = savedModel, OutputOnnx = DevFull });

        Assert.Contains($"Cannot write '{DevFull}'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(savedModel));
        before.AssertUnchanged(_first.BottleneckDir);
    }

    [Fact]
    public void Transaction_RenamesNothingBeforeCommit_AndCleansUpWithoutOne()
    {
        var graph = Path.Combine(OutFolder, "graph.pb");
        var labels = Path.Combine(OutFolder, "labels.txt");
        var folder = Path.Combine(OutFolder, "model");
        Directory.CreateDirectory(OutFolder);
        File.WriteAllText(graph, "old graph");

        using (var outputs = new OutputTransaction())
        {
            outputs.WriteAllText(graph, "new graph");
            outputs.WriteAllText(labels, "a\n");
            outputs.WriteFolder(folder, f => File.WriteAllText(Path.Combine(f, "x"), "x"), e => new RetrainException(ExitCode.IoError, e.Message));
            Assert.Equal("old graph", File.ReadAllText(graph));
            Assert.False(File.Exists(labels));
            Assert.False(Directory.Exists(folder));
        }

        Assert.Equal(["graph.pb"], Directory.GetFileSystemEntries(OutFolder).Select(Path.GetFileName));
        Assert.Equal("old graph", File.ReadAllText(graph));

        using (var outputs = new OutputTransaction())
        {
            outputs.WriteAllText(graph, "new graph");
            outputs.WriteAllText(labels, "a\n");
            outputs.Commit();
        }

        Assert.Equal(("new graph", "a\n"), (File.ReadAllText(graph), File.ReadAllText(labels)));
        Assert.Equal(2, Directory.GetFileSystemEntries(OutFolder).Length);
    }

    private RetrainException Failed(RetrainOptions options)
    {
        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));
        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(OutFolder), e => Path.GetFileName(e).StartsWith('.'));
        return error;
    }
}
