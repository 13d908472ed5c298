using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue 5 through the command line: what a user sees on stderr and the exit code scripts test, for bad photos, a
/// dataset with nothing usable, a bad model and an unwritable output. Never a stack trace.
/// </summary>
public sealed class RetrainCommandRobustnessTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly string _model;

    public RetrainCommandRobustnessTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        _model = TinyBackbone.Write(_work.Path);
    }

    public void Dispose() => _work.Dispose();

    private RetrainOptions Options => TinyRuns.Options(_work.Path, _imageDir, _model);

    private static (int Code, string Err) Run(RetrainOptions options)
    {
        var (code, _, err) = CliRunner.Run(RetrainCommand.Create(), RetrainCommand.Execute, TinyRuns.Arguments(options));
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // no stack trace: every failure here is expected
        return (code, err);
    }

    [Fact]
    public void BadPhotos_AreSkippedWithAWarningEachAndTheRunSucceeds()
    {
        TinyDataset.Create(_imageDir, perClass: 5, classes: ["blue", "red"]);
        var empty = Path.Combine(_imageDir, "red", "empty.jpg");
        File.WriteAllBytes(empty, []);
        var text = Path.Combine(_imageDir, "blue", "notes.png");
        File.WriteAllText(text, "not a picture");

        var (code, err) = Run(Options);

        Assert.True(code == 0, err);
        Assert.Contains($"WRN Skipping {empty}: the file is empty (0 bytes)", err, StringComparison.Ordinal);
        Assert.Contains($"WRN Skipping {text}: the content is not a JPEG", err, StringComparison.Ordinal);
        Assert.Contains("Bottlenecks ready: 10 computed, 0 reused from cache, 2 skipped", err, StringComparison.Ordinal);
        Assert.Contains("WRN 2 images were skipped because they could not be read or decoded (listed above).", err, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsToStdout_WithTheLogRedirectedToAFile_LandInTheLogWithoutReplacingIt()
    {
        // `retrain ... --output_labels /dev/stdout &> run.log`: /dev/stdout then names run.log itself, which used to be
        // replaced by a file of the labels alone, the log lost.
        TinyDataset.Create(_imageDir, perClass: 5, classes: ["blue", "red"]);
        var log = Path.Combine(_work.Path, "run.log");
        var arguments = TinyRuns.Arguments(Options with { OutputLabels = "/dev/stdout" });
        var start = ChildRun.Start(
            "bash",
            ["-c", "exec dotnet \"$@\" > \"$RUN_LOG\" 2>&1", "bash", RetrainProcess.RetrainDll, .. arguments],
            new Dictionary<string, string> { ["RUN_LOG"] = log });

        var (code, _, err) = ChildRun.Run(start, TimeSpan.FromMinutes(5));

        var text = File.ReadAllText(log);
        Assert.True(code == 0, $"{err}\n{text}");
        var labels = text.IndexOf("\nblue\nred\n", StringComparison.Ordinal);
        Assert.True(labels > 0, text);
        Assert.Contains("Bottlenecks ready:", text[..labels], StringComparison.Ordinal);
        Assert.Contains($"Step {TinyRuns.Steps - 1}: Train accuracy", text[..labels], StringComparison.Ordinal); // the last step, always logged
    }

    [Fact]
    public void NoUsablePhoto_ExitsWithBadDataset()
    {
        foreach (var folder in new[] { "blue", "red" })
        {
            Directory.CreateDirectory(Path.Combine(_imageDir, folder));
            File.WriteAllBytes(Path.Combine(_imageDir, folder, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
        }

        // Every photo in training, whatever the temporary folder's name does to the split: the failure is decoding.
        var (code, err) = Run(Options with { TestingPercentage = 0, ValidationPercentage = 0 });

        Assert.Equal((int)ExitCode.BadDataset, code);
        Assert.Contains($"Nothing to train on: only 0 of 2 classes in '{_imageDir}' have usable training images", err, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModel_ExitsWithBadModelNamingTheFile()
    {
        TinyDataset.Create(_imageDir, perClass: 3, classes: ["blue", "red"]);
        var truncated = Path.Combine(_work.Path, "truncated.pb");
        File.WriteAllBytes(truncated, File.ReadAllBytes(_model)[..100]);

        var (code, err) = Run(Options with { TfhubModule = truncated });

        Assert.Equal((int)ExitCode.BadModel, code);
        Assert.Contains($"Model file '{truncated}' is not a TensorFlow GraphDef", err, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongBottleneckLayer_ExitsWithBadModelListingTheClosestNames()
    {
        TinyDataset.Create(_imageDir, perClass: 3, classes: ["blue", "red"]);

        var (code, err) = Run(Options with { Model = TinyBackbone.Overrides with { OutputNode = "Bottleneck" } });

        Assert.Equal((int)ExitCode.BadModel, code);
        Assert.Contains("Output node 'Bottleneck' not found", err, StringComparison.Ordinal);
        Assert.Contains("Closest names: bottleneck", err, StringComparison.Ordinal);
        Assert.Contains("Fix --bottleneck_layer", err, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputUnderARegularFile_ExitsWithIoErrorBeforeAnyWork()
    {
        TinyDataset.Create(_imageDir, perClass: 3, classes: ["blue", "red"]);
        var blocker = _work.File("blocker");

        var (code, err) = Run(Options with { OutputGraph = Path.Combine(blocker, "output_graph.pb") });

        Assert.Equal((int)ExitCode.IoError, code);
        Assert.Contains($"Cannot write to '{blocker}' (for --output_graph)", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Looking for images", err, StringComparison.Ordinal);
    }
}
