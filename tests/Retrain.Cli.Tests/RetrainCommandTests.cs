using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

public class RetrainCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) =>
        CliRunner.Run(RetrainCommand.Create(), RetrainCommand.Execute, args);

    [Fact]
    public void Defaults_AreRetrainPys()
    {
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "food_images"]));

        Assert.Equal("food_images", o.ImageDir);
        Assert.Equal(4000, o.HowManyTrainingSteps);
        Assert.Equal(0.01f, o.LearningRate);
        Assert.Equal(10, o.TestingPercentage);
        Assert.Equal(10, o.ValidationPercentage);
        Assert.Equal(10, o.EvalStepInterval);
        Assert.Equal(100, o.TrainBatchSize);
        Assert.Equal(-1, o.TestBatchSize);
        Assert.Equal(100, o.ValidationBatchSize);
        Assert.Equal("final_result", o.FinalTensorName);
        Assert.False(o.PrintMisclassifiedTestImages);
        Assert.False(o.FlipLeftRight);
        Assert.Equal(0, o.RandomCrop + o.RandomScale + o.RandomBrightness + o.IntermediateStoreFrequency);
        Assert.EndsWith("output_graph.pb", o.OutputGraph, StringComparison.Ordinal);
        Assert.EndsWith("output_labels.txt", o.OutputLabels, StringComparison.Ordinal);
        Assert.EndsWith("bottleneck", o.BottleneckDir, StringComparison.Ordinal);
    }

    [Fact]
    public void ReducedScaleJpeg_IsOffUnlessGiven()
    {
        Assert.False(RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i"])).ReducedScaleJpeg);
        Assert.True(RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i", "--reduced_scale_jpeg"])).ReducedScaleJpeg);
    }

    [Fact]
    public void RetrainPyBottleneckFlags_BindToTheirOptions()
    {
        var none = RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i"]));
        Assert.Null(none.RetrainPyBottleneckDir);
        Assert.Null(none.RetrainPyBottleneckSuffix);
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(
            ["--image_dir", "i", "--retrain_py_bottleneck_dir", "/tmp/bottleneck", "--retrain_py_bottleneck_suffix", "_inception_v3"]));
        Assert.Equal("/tmp/bottleneck", o.RetrainPyBottleneckDir);
        Assert.Equal("_inception_v3", o.RetrainPyBottleneckSuffix);

        // The 2016 retrain.py's files have no suffix: an empty value must reach the engine as empty, not as "find it".
        var empty = RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i", "--retrain_py_bottleneck_dir", "b", "--retrain_py_bottleneck_suffix", ""]));
        Assert.Equal(string.Empty, empty.RetrainPyBottleneckSuffix);
    }

    [Fact]
    public void EqualsSyntaxAndBooleanFlags_BindLikeArgparse()
    {
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(
            ["--image_dir=imgs", "--how_many_training_steps=500", "--learning_rate", "0.05", "--print_misclassified_test_images", "--tfhub_module", "m.pb"]));

        Assert.Equal("imgs", o.ImageDir);
        Assert.Equal(500, o.HowManyTrainingSteps);
        Assert.Equal(0.05f, o.LearningRate);
        Assert.True(o.PrintMisclassifiedTestImages);
        Assert.Equal("m.pb", o.TfhubModule);
    }

    [Fact]
    public void OutputFlags_BindToTheirOptions()
    {
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(
        [
            "--image_dir", "imgs", "--summaries_dir", "logs", "--saved_model_dir", "sm/1", "--intermediate_store_frequency", "100",
            "--intermediate_output_graphs_dir", "inter", "--checkpoint_path", "run.ckpt", "--output_onnx", "model.onnx",
        ]));

        Assert.Equal(("logs", "sm/1", 100, "inter", "run.ckpt", "model.onnx"), (o.SummariesDir, o.SavedModelDir, o.IntermediateStoreFrequency, o.IntermediateOutputGraphsDir, o.CheckpointPath, o.OutputOnnx));
    }

    [Fact]
    public void OutputFlags_DefaultToNoExtraOutputs()
    {
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "imgs"]));

        Assert.Null(o.SummariesDir);
        Assert.Null(o.SavedModelDir);
        Assert.Null(o.CheckpointPath);
        Assert.Null(o.OutputOnnx);
        Assert.Equal(0, o.IntermediateStoreFrequency);
    }

    [Fact]
    public void UnknownFlag_IsAUsageErrorNamingIt()
    {
        var (code, _, err) = Run("--image_dir", "x", "--how_many_steps", "10");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("--how_many_steps", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BadValue_IsAUsageErrorNamingTheFlag()
    {
        var (code, _, err) = Run("--image_dir", "x", "--how_many_training_steps", "many");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("--how_many_training_steps", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingImageDir_IsAUsageError()
    {
        var (code, _, err) = Run("--how_many_training_steps", "10");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("--image_dir", err, StringComparison.Ordinal);
    }

    [Fact]
    public void DistortionFlags_BindToTheirOptions()
    {
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(
            ["--image_dir", "i", "--flip_left_right", "--random_crop", "10", "--random_scale=20", "--random_brightness", "30"]));

        Assert.True(o.FlipLeftRight);
        Assert.Equal((10, 20, 30), (o.RandomCrop, o.RandomScale, o.RandomBrightness));
    }

    [Theory]
    [InlineData("FATAL", "FTL")]
    [InlineData("ERROR", "ERR")]
    public void TheErrorThatEndsARun_IsPrintedAtAnyVerbosity(string verbosity, string prefix)
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-images-" + Guid.NewGuid().ToString("N"));
        var (code, _, err) = CliRunner.Run(
            RetrainCommand.Create(), RetrainCommand.Execute, RetrainCommand.Verbosity, "--image_dir", missing, "--logging_verbosity", verbosity);

        Assert.Equal((int)ExitCode.BadDataset, code);
        Assert.Contains($"{prefix} Image directory '{missing}' not found.", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--train_batch_size", "800000000")]
    [InlineData("--validation_batch_size", "800000000")]
    [InlineData("--test_batch_size", "800000000")]
    [InlineData("--train_batch_size", "0")]
    public void BatchSizesThatCannotFitInMemory_AreUsageErrorsNamingTheFlag_NotACrash(string flag, string value)
    {
        var (code, _, err) = Run("--image_dir", "x", flag, value);
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains($"Invalid value for {flag}: it must be ", err, StringComparison.Ordinal);
        Assert.Contains("100,000", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--random_crop", "-5")]
    [InlineData("--random_scale", "-1")]
    [InlineData("--random_brightness", "101")]
    public void DistortionPercentagesOutOfRange_AreUsageErrorsNamingTheFlag(string flag, string value)
    {
        var (code, _, err) = Run("--image_dir", "x", flag, value);
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("Invalid value for " + flag, err, StringComparison.Ordinal);
    }

    [Fact]
    public void PercentagesLeavingNoTrainingImages_AreRejectedBeforeAnyWork()
    {
        var (code, _, err) = Run("--image_dir", "x", "--testing_percentage", "60", "--validation_percentage", "40");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("--testing_percentage and --validation_percentage: they add up to 100,", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingImageDir_OnDisk_IsABadDatasetError()
    {
        var dir = Path.Combine(Path.GetTempPath(), "retrain-no-such-dir-" + Guid.NewGuid().ToString("N"));
        var (code, _, err) = Run("--image_dir", dir, "--output_graph", Path.Combine(Path.GetTempPath(), "retrain-cli-tests", "g.pb"));
        Assert.Equal((int)ExitCode.BadDataset, code);
        Assert.Contains(dir, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsRetrainPysFlags()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("--image_dir", output, StringComparison.Ordinal);
        Assert.Contains("--how_many_training_steps", output, StringComparison.Ordinal);
        Assert.Contains("--tfhub_module", output, StringComparison.Ordinal);
    }
}
