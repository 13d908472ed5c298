using System.Globalization;
using LabelImage.Cli;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

public class LabelImageCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) =>
        CliRunner.Run(LabelImageCommand.Create(), LabelImageCommand.Execute, args);

    [Theory]
    [InlineData("mobilenet025_128_ssoniya/retrained_graph.pb", "mobilenet025_128_ssoniya/retrained_labels.txt", 128)]
    [InlineData("mobilenet025_glasses/retrained_graph.pb", "mobilenet025_glasses/retrained_labels.txt", 224)]
    [InlineData("mobilenet_quant_licenseplate/output_graph.pb", "mobilenet_quant_licenseplate/output_labels.txt", 128)]
    public void GraphsWrittenByRetrainPy_PrintADistributionOverTheirLabels(string graph, string labels, int size)
    {
        var labelFile = SharedData.Path("models/retrained/" + labels);
        var classes = File.ReadAllLines(labelFile).Count(l => l.Length > 0);
        var (code, output, err) = Run(
            "--graph", SharedData.Path("models/retrained/" + graph),
            "--labels", labelFile,
            "--image", SharedData.Path("images/imagenet/grace_hopper.bmp"),
            "--input_layer", "input",
            "--output_layer", "final_result",
            "--input_height", size.ToString(CultureInfo.InvariantCulture),
            "--input_width", size.ToString(CultureInfo.InvariantCulture),
            "--top_k", "100");

        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(classes, lines.Length);
        var scores = lines.Select(l => float.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.InRange(scores.Sum(), 0.999f, 1.001f);
    }

    [Fact]
    public void MobileNetWithItsLabelsFile_NamesTheImageNetClass()
    {
        var (code, output, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--labels", SharedData.Path("models/mobilenet_v1_0.25_224/labels.txt"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--image", SharedData.Path("images/imagenet/grace_hopper.bmp"),
            "--top_k", "3");

        Assert.True(code == 0, err);
        Assert.StartsWith("bow tie, bow-tie, bowtie 0.", output, StringComparison.Ordinal);
        Assert.Equal(3, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void NoLabelsFile_PrintsClassIndices_AndSaysSo()
    {
        var graph = SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb");
        var (code, output, err) = Run(
            "--graph", graph,
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--image", SharedData.Path("images/imagenet/grace_hopper.bmp"),
            "--top_k", "2");

        Assert.True(code == 0, err);
        Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^\d+ 0\.\d{5}$", l));
        Assert.Contains($"No --labels given, and {graph} carries none: classes are shown by their index, 0 to 1000.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingImage_IsABadImageErrorNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-burger-" + Guid.NewGuid().ToString("N") + ".jpg");
        var (code, _, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--image", missing);

        Assert.Equal((int)ExitCode.BadImage, code);
        Assert.Contains(missing, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--topk")]
    [InlineData("-k")]
    public void MistypedFlagAfterImage_IsAUsageErrorNamingIt_NotAMissingImage(string typo)
    {
        var (code, _, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--image", SharedData.Path("images/imagenet/cat.bmp"), typo, "3");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains($"'{typo}' is not a flag of label-image", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingGraph_IsABadModelErrorNamingTheFileAndTheFlag()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-graph-" + Guid.NewGuid().ToString("N") + ".pb");
        var (code, _, err) = Run("--graph", missing, "--image", SharedData.Path("images/imagenet/cat.bmp"));

        Assert.Equal((int)ExitCode.BadModel, code);
        Assert.Contains($"Model file '{missing}' not found. Check the path given with --graph", err, StringComparison.Ordinal);
    }

    [Fact]
    public void OneBadImageAmongSeveral_IsNamed_TheOthersAreStillLabelled_AndTheExitCodeSaysSo()
    {
        using var dir = new TempFolder();
        var bad = dir.File("truncated.jpg", "\xff\xd8 not much of a JPEG");
        var cat = SharedData.Path("images/imagenet/cat.bmp");
        var hopper = SharedData.Path("images/imagenet/grace_hopper.bmp");
        var (code, output, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--labels", SharedData.Path("models/mobilenet_v1_0.25_224/labels.txt"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--top_k", "1",
            "--image", cat, bad, hopper);

        Assert.Equal((int)ExitCode.BadImage, code);
        Assert.Contains(bad, err, StringComparison.Ordinal);
        Assert.Contains("1 of 3 images could not be labelled", err, StringComparison.Ordinal);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([cat + ":", hopper + ":"], lines.Where(l => l.EndsWith(':')));
        Assert.StartsWith("bow tie", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderOfImages_LabelsEachUnderItsName_AndCountsItsBadOnes()
    {
        using var dir = new TempFolder();
        var bad = dir.File("a-truncated.jpg", "\xff\xd8 not much of a JPEG");
        var hotDog = Path.Combine(dir.Path, "b-hot-dog.jpg");
        var cat = Path.Combine(dir.Path, "c-cat.JPG");
        File.Copy(SharedData.Path("images/imagenet/hot_dog.jpg"), hotDog);
        File.Copy(SharedData.Path("images/imagenet/cat_720p.jpg"), cat);
        dir.File("notes.txt", "not a photo");
        var (code, output, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--labels", SharedData.Path("models/mobilenet_v1_0.25_224/labels.txt"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--top_k", "1",
            "--image", dir.Path);

        Assert.Equal((int)ExitCode.BadImage, code);
        Assert.Contains(bad, err, StringComparison.Ordinal);
        Assert.Contains("1 of 3 images could not be labelled", err, StringComparison.Ordinal);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([hotDog + ":", cat + ":"], lines.Where(l => l.EndsWith(':')));
        Assert.StartsWith("hotdog", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderThatIsNotASavedModel_IsABadModelErrorSayingSo()
    {
        using var dir = new TempFolder();
        var (code, _, err) = Run("--graph", dir.Path, "--image", SharedData.Path("images/imagenet/cat.bmp"));

        Assert.Equal((int)ExitCode.BadModel, code);
        Assert.Contains($"Model path '{dir.Path}' is a folder but not a SavedModel", err, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongOutputLayer_IsABadModelErrorNamingTheNode()
    {
        var (code, _, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--output_layer", "final_reslut",
            "--image", SharedData.Path("images/imagenet/cat.bmp"));

        Assert.Equal((int)ExitCode.BadModel, code);
        Assert.Contains("final_reslut", err, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaOnTheCpuBuild_SaysSoClearly()
    {
        var (code, _, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--image", SharedData.Path("images/imagenet/cat.bmp"),
            "--device", "cuda");

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("CUDA", err, StringComparison.Ordinal);
        Assert.Contains("this build of retrain has no CUDA support", err, StringComparison.Ordinal);
        Assert.Contains("scripts/build.sh --cuda", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--num_top_predictions", "3" }, 3)]
    [InlineData(new[] { "--num_top_predictions=2" }, 2)]
    [InlineData(new[] { "--num_top", "4" }, 4)]
    [InlineData(new[] { "--top_k", "4", "--num_top_predictions", "1" }, 1)]
    [InlineData(new[] { "--num_top_predictions", "1", "--top_k", "4" }, 4)]
    public void NumTopPredictions_IsTopK_UnderTheOlderLabelImagePysName(string[] given, int topK)
    {
        // TensorFlow's examples/image_retraining/label_image.py called --top_k --num_top_predictions.
        LabelImageOptions? options = null;
        var (code, _, err) = CliRunner.Run(LabelImageCommand.Create(), (p, _, _, _) =>
        {
            options = LabelImageCommand.Bind(p);
            return ExitCode.Success;
        }, ["--graph", "g.pb", "--image", "a.jpg", .. given]);

        Assert.True(code == 0, err);
        Assert.Equal(topK, options!.TopK);
    }

    [Fact]
    public void Help_ShowsNumTopPredictionsWithTopK()
    {
        var (code, output, err) = Run("--help");

        Assert.True(code == 0, err);
        Assert.Matches(@"--num_top_predictions, --top_k <top_k>\s+How many labels to print\.", output);
    }

    [Fact]
    public void NumTopPredictionsMistyped_GetsItsName()
    {
        var (code, _, err) = Run("--graph", "g.pb", "--num-top-predictions", "2", "--image", "a.jpg");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("'--num-top-predictions' is not a flag; did you mean --num_top_predictions?", err, StringComparison.Ordinal);
    }

    [Fact]
    public void NumTopPredictions_PrintsThatManyLabels()
    {
        var (code, output, err) = Run(
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--labels", SharedData.Path("models/mobilenet_v1_0.25_224/labels.txt"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--image", SharedData.Path("images/imagenet/grace_hopper.bmp"),
            "--num_top_predictions", "2");

        Assert.True(code == 0, err);
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
