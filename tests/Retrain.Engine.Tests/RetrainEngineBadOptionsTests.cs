using Retrain.Checkpoints;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// Flag values that would crash, write a broken file or silently lose an output stop <see cref="RetrainEngine.Run"/>
/// before any work, naming the flag: empty paths (an unset shell variable), two outputs at one path, a folder where a
/// file goes, normalisation that divides by zero, a --final_tensor_name TensorFlow would refuse or that another node has.
/// </summary>
public sealed class RetrainEngineBadOptionsTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly string _model;

    public RetrainEngineBadOptionsTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 6, classes: ["red", "blue"]);
        _model = TinyBackbone.Write(_work.Path);
    }

    public void Dispose() => _work.Dispose();

    private RetrainOptions Options => TinyRuns.Options(_work.Path, _imageDir, _model);

    [Theory]
    [InlineData("--output_graph")]
    [InlineData("--output_labels")]
    [InlineData("--bottleneck_dir")]
    [InlineData("--image_dir")]
    public void EmptyPath_IsAUsageErrorNamingTheFlag(string flag)
    {
        var options = flag switch
        {
            "--output_graph" => Options with { OutputGraph = "" },
            "--output_labels" => Options with { OutputLabels = "" },
            "--bottleneck_dir" => Options with { BottleneckDir = "" },
            _ => Options with { ImageDir = "" },
        };

        var error = Fails(options, ExitCode.Usage);
        Assert.Contains($"Invalid value for {flag}: it must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoOutputsAtOnePath_AreAUsageErrorNamingBothFlags()
    {
        var error = Fails(Options with { OutputLabels = Options.OutputGraph }, ExitCode.Usage);
        Assert.Contains("--output_graph and --output_labels both name", error.Message, StringComparison.Ordinal);

        var checkpoint = Path.Combine(_work.Path, "out", "state");
        error = Fails(Options with { CheckpointPath = checkpoint, OutputOnnx = checkpoint + "/../state" }, ExitCode.Usage);
        Assert.Contains("--output_onnx and --checkpoint_path both name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputReachedThroughALink_CountsAsItsTarget()
    {
        var target = Path.Combine(_work.Path, "out", "output_graph.pb");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var link = Path.Combine(_work.Path, "labels-link");
        File.CreateSymbolicLink(link, target);

        var error = Fails(Options with { OutputGraph = target, OutputLabels = link }, ExitCode.Usage);
        Assert.Contains("--output_graph and --output_labels both name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderWhereAFileGoes_IsAnIoErrorBeforeAnyWork()
    {
        var folder = Path.Combine(_work.Path, "graphs");
        Directory.CreateDirectory(folder);

        var error = Fails(Options with { OutputGraph = folder }, ExitCode.IoError);
        Assert.Contains($"--output_graph '{folder}' is a folder. Give the path of a file, e.g. {Path.Combine(folder, "output_graph.pb")}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--input_std", 0f)]
    [InlineData("--input_std", float.NaN)]
    [InlineData("--input_mean", float.PositiveInfinity)]
    public void NormalisationThatIsNotANumber_IsAUsageError(string flag, float value)
    {
        var m = flag == "--input_std" ? TinyBackbone.Overrides with { InputStd = value } : TinyBackbone.Overrides with { InputMean = value };
        var error = Fails(Options with { Model = m }, ExitCode.Usage);
        Assert.StartsWith($"Invalid value for {flag}:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.5f)]
    [InlineData(float.PositiveInfinity)]
    public void L2RegularizationThatIsNegativeOrInfinite_IsAUsageError(float strength)
    {
        var error = Fails(Options with { L2Regularization = strength }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --l2_regularization:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void LabelSmoothingOutsideZeroToBelowOne_IsAUsageError(float value)
    {
        var error = Fails(Options with { LabelSmoothing = value }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --label_smoothing:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void DropoutOutsideZeroToBelowOne_IsAUsageError(float value)
    {
        var error = Fails(Options with { Dropout = value }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --dropout:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DropoutWithLbfgs_IsAUsageErrorNamingBothFlags()
    {
        var error = Fails(Options with { Dropout = 0.2f, Optimizer = Retrain.Training.OptimizerKind.Lbfgs }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --dropout:", error.Message, StringComparison.Ordinal);
        Assert.Contains("--optimizer lbfgs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownClassWeights_IsAUsageError()
    {
        var error = Fails(Options with { ClassWeights = (Retrain.Training.ClassWeighting)5 }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --class_weights:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeEarlyStoppingPatience_IsAUsageError()
    {
        var error = Fails(Options with { EarlyStoppingPatience = -2 }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --early_stopping_patience:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownOptimizer_IsAUsageError()
    {
        var error = Fails(Options with { Optimizer = (Retrain.Training.OptimizerKind)7 }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --optimizer:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputSizeOfZero_IsAUsageError()
    {
        var error = Fails(Options with { Model = TinyBackbone.Overrides with { InputHeight = 0 } }, ExitCode.Usage);
        Assert.Contains("--input_height: it must be at least 1 pixel", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("final_result:0")]
    [InlineData("_final")]
    [InlineData("final result")]
    [InlineData("final_retrain_ops/weights/final_weights")]
    [InlineData("retrain/model_info")]
    public void FinalTensorNameTensorFlowWouldRefuse_IsAUsageError(string name)
    {
        var error = Fails(Options with { FinalTensorName = name }, ExitCode.Usage);
        Assert.StartsWith("Invalid value for --final_tensor_name:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FinalTensorNameOfABackboneNode_IsAUsageErrorBeforeAnyBottleneck()
    {
        var error = Fails(Options with { FinalTensorName = "relu" }, ExitCode.Usage);
        Assert.Contains("already has a node named 'relu'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArchitectureWithTfhubModule_IsAUsageErrorNamingBoth()
    {
        var error = Fails(Options with { Architecture = "inception_v3" }, ExitCode.Usage);
        Assert.Equal(
            "Invalid value for --architecture: it cannot be combined with --tfhub_module, which names the model already. Give one of them: --tfhub_module for a model file, folder or TF Hub handle, --architecture for a model name such as inception_v3.",
            error.Message);
    }

    [Fact]
    public void TrainingThatDiverges_StopsNamingTheLearningRate_WritesNoNaN_AndALowerRateThenTrains()
    {
        var checkpoint = Path.Combine(_work.Path, "state", "checkpoint");
        var options = Options with { LearningRate = float.MaxValue, CheckpointPath = checkpoint, EvalStepInterval = 1 };
        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("Training diverged at step ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lower --learning_rate", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(options.OutputGraph));
        Assert.False(File.Exists(options.OutputLabels));
        if (CheckpointFile.Read(checkpoint) is { } saved)
        {
            Assert.All(saved.Weights, w => Assert.True(float.IsFinite(w)));
        }

        // As the message says: delete the checkpoint of the diverging run, and retrain at a lower rate.
        Assert.Contains("delete the checkpoint", error.Message, StringComparison.Ordinal);
        File.Delete(checkpoint);
        var rerun = RetrainEngine.Run(options with { LearningRate = 0.01f }, new LogCapture().Logger, CancellationToken.None);
        Assert.All(rerun.Training.Layer.Weights, w => Assert.True(float.IsFinite(w)));
        Assert.True(File.Exists(options.OutputGraph));
    }

    [Fact]
    public void CheckpointOfDivergedWeights_IsRefusedSayingWhy()
    {
        var checkpoint = Path.Combine(_work.Path, "state", "checkpoint");
        var options = Options with { CheckpointPath = checkpoint, HowManyTrainingSteps = 20 };
        RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);
        var saved = CheckpointFile.Read(checkpoint)!;
        saved.Weights[3] = float.NaN;
        CheckpointFile.Write(checkpoint, saved);

        var error = Assert.Throws<RetrainException>(() =>
            RetrainEngine.Run(options with { HowManyTrainingSteps = 40 }, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("holds weights that are not numbers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputInsideTheSavedModelFolder_IsAUsageError()
    {
        var savedModel = Path.Combine(_work.Path, "export");
        var error = Fails(Options with { SavedModelDir = savedModel, OutputGraph = Path.Combine(savedModel, "output_graph.pb") }, ExitCode.Usage);
        Assert.Contains("is inside --saved_model_dir", error.Message, StringComparison.Ordinal);
    }

    private static RetrainException Fails(RetrainOptions options, ExitCode code)
    {
        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));
        Assert.True(code == error.Code, error.Message);
        if (!string.IsNullOrEmpty(options.BottleneckDir))
        {
            // Before any work: not one vector computed.
            Assert.False(Directory.Exists(options.BottleneckDir) && Directory.EnumerateFiles(options.BottleneckDir, "*.bnp", SearchOption.AllDirectories).Any());
        }

        return error;
    }
}
