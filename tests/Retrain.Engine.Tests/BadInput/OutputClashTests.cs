using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 2: an output at the path of something the run reads replaced it (the backbone by output_graph.pb,
/// a photo by the labels, an intermediate graph by an output). Every output is now checked against every input before
/// any work: a usage error naming both flags and the path, and not a byte written.
/// </summary>
public sealed class OutputClashTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly string _model;

    public OutputClashTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 6, classes: ["red", "blue"]);
        _model = TinyBackbone.Write(_work.Path);
    }

    public void Dispose() => _work.Dispose();

    private RetrainOptions Options => TinyRuns.Options(_work.Path, _imageDir, _model);

    private string Photo => Directory.GetFiles(Path.Combine(_imageDir, "red")).Order(StringComparer.Ordinal).First();

    [Fact]
    public void OutputGraphOnTheBackbone_IsAUsageErrorAndKeepsTheModel()
    {
        // The backbone is known only once resolved, after the output folders were checked (and so created).
        var error = Refused(Options with { OutputGraph = _model }, Path.GetDirectoryName(Options.OutputLabels)!, Options.BottleneckDir);

        Assert.Contains($"--output_graph would write '{_model}', which is the --tfhub_module input", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give --output_graph a path apart from --tfhub_module", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputLabelsOnAPhoto_IsAUsageErrorAndKeepsThePhoto()
    {
        var error = Refused(Options with { OutputLabels = Photo });

        Assert.Contains($"--output_labels would write '{Photo}', inside the --image_dir folder '{_imageDir}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputReachingThePhotosThroughALinkedFolder_IsAUsageError()
    {
        var alias = Path.Combine(_work.Path, "alias");
        Directory.CreateSymbolicLink(alias, _imageDir);
        var viaLink = Path.Combine(alias, "red", Path.GetFileName(Photo));

        var error = Refused(Options with { OutputOnnx = viaLink });

        Assert.Contains($"--output_onnx would write '{Photo}', inside the --image_dir folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CacheInsideTheImageFolder_IsAUsageError()
    {
        var error = Refused(Options with { BottleneckDir = Path.Combine(_imageDir, "cache") });

        Assert.Contains("--bottleneck_dir would write", error.Message, StringComparison.Ordinal);
        Assert.Contains("inside the --image_dir folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputInsideTheCache_IsAUsageError()
    {
        var cached = Path.Combine(Options.BottleneckDir, "output_graph.pb");
        Directory.CreateDirectory(Options.BottleneckDir);

        var error = Refused(Options with { OutputGraph = cached });

        Assert.Contains($"--output_graph would write '{cached}', inside the --bottleneck_dir folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputInsideRetrainPyBottlenecks_IsAUsageError()
    {
        var legacy = Path.Combine(_work.Path, "retrain_py_bottlenecks");
        var inside = _work.File("retrain_py_bottlenecks/red/x.jpg_inception_v3.txt", "0.1,0.2");

        var error = Refused(Options with { RetrainPyBottleneckDir = legacy, OutputLabels = inside });

        Assert.Contains($"--output_labels would write '{inside}', inside the --retrain_py_bottleneck_dir folder '{legacy}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputAtAnIntermediateGraphsPath_IsAUsageError()
    {
        var intermediate = Path.Combine(_work.Path, "intermediate");
        var graph = _work.File("intermediate/intermediate_20.pb", "an earlier run's step-20 graph");
        var options = Options with { IntermediateStoreFrequency = 10, IntermediateOutputGraphsDir = intermediate, OutputGraph = graph };

        var error = Refused(options);

        Assert.Contains($"--output_graph would write '{graph}', where --intermediate_output_graphs_dir saves the graph of step 20", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputsBesideIntermediateGraphs_StillRun()
    {
        // Only real clashes are refused: one output folder for the final and the intermediate graphs is fine.
        var folder = Path.GetDirectoryName(Options.OutputGraph)!;
        var options = Options with { IntermediateStoreFrequency = 20, IntermediateOutputGraphsDir = folder };
        var before = InputSnapshot.Take(_work.Path);

        var result = RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(folder, "intermediate_20.pb")));
        Assert.True(File.Exists(result.OutputGraph));
        before.AssertUnchanged(folder, options.BottleneckDir);
    }

    /// <summary>Runs <paramref name="options"/>, expecting a usage error; only <paramref name="allowed"/> may have appeared.</summary>
    private RetrainException Refused(RetrainOptions options, params string[] allowed)
    {
        var before = InputSnapshot.Take(_work.Path);
        var log = new LogCapture();

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, log.Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        before.AssertUnchanged(allowed);
        return error;
    }
}
