using System.Text.Json;
using Retrain.Protos.Onnx;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Export;

/// <summary>--output_onnx: one ONNX file holding backbone + trained layer, describing its own input and labels.</summary>
public class OnnxExporterTests
{
    [Fact]
    public void Run_WritesOnnxWithMetadata_AndLabelImageRunsItWithoutFlagsOrLabelsFile()
    {
        using var tiny = new TinyRetrain();
        var onnxPath = tiny.PathOf("run", "model.onnx");
        var options = tiny.Options() with { OutputOnnx = onnxPath };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var onnx = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath));
        var props = onnx.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("input", props["input_name"]);
        Assert.Equal("[-1,8,8,3]", props["input_shape"]);
        Assert.Equal("NHWC", props["input_layout"]);
        Assert.Equal("float32", props["input_dtype"]);
        Assert.Equal("0", props["input_mean"]);
        Assert.Equal("255", props["input_std"]);
        Assert.Contains("resize_bilinear", props["preprocessing"], StringComparison.Ordinal);
        Assert.Equal("final_result", props["output_name"]);
        Assert.Equal(TinyRetrain.Classes, JsonSerializer.Deserialize<string[]>(props["labels"]));
        Assert.Single(onnx.Graph.Input, i => i.Name == "input");
        Assert.Single(onnx.Graph.Output, o => o.Name == "final_result");

        var fromOnnx = LabelImageEngine.Run(
            new LabelImageOptions { Graph = onnxPath, Images = result.TestImages, TopK = 3 },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);
        var fromGraph = LabelImageEngine.Run(
            new LabelImageOptions { Graph = options.OutputGraph, Labels = options.OutputLabels, Images = result.TestImages, TopK = 3 },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        Assert.Equal((0f, 255f, 8), (fromOnnx.Model.InputMean, fromOnnx.Model.InputStd, fromOnnx.Model.InputHeight));
        Assert.Equal(
            fromGraph.Images.Select(i => i.Top.Select(s => s.Label).ToArray()),
            fromOnnx.Images.Select(i => i.Top.Select(s => s.Label).ToArray()));
        AssertClose(fromGraph, fromOnnx, 1e-5f);
    }

    [Fact]
    public void MobileNetFlowers_OnnxScoresEqualOutputGraphScores()
    {
        var flowers = SharedData.Path("datasets/flower_photos_dev");
        var model = SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb");
        using var folder = new TempFolder();

        // 20 photos of three classes, linked (not copied) from the shared set, keep the bottleneck pass short.
        var imageDir = Path.Combine(folder.Path, "flowers");
        foreach (var flower in new[] { "daisy", "roses", "tulips" })
        {
            Directory.CreateDirectory(Path.Combine(imageDir, flower));
            foreach (var photo in Directory.GetFiles(Path.Combine(flowers, flower), "*.jpg").Order(StringComparer.Ordinal).Take(20))
            {
                File.CreateSymbolicLink(Path.Combine(imageDir, flower, Path.GetFileName(photo)), photo);
            }
        }

        var options = new RetrainOptions
        {
            ImageDir = imageDir,
            TfhubModule = model,
            OutputGraph = Path.Combine(folder.Path, "out", "output_graph.pb"),
            OutputLabels = Path.Combine(folder.Path, "out", "output_labels.txt"),
            OutputOnnx = Path.Combine(folder.Path, "out", "flowers.onnx"),
            BottleneckDir = Path.Combine(folder.Path, "bottlenecks"),
            HowManyTrainingSteps = 50,
        };
        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var images = new[] { "daisy", "roses", "tulips" }
            .Select(f => Directory.GetFiles(Path.Combine(flowers, f), "*.jpg").Order(StringComparer.Ordinal).Last())
            .ToList();
        var fromOnnx = LabelImageEngine.Run(
            new LabelImageOptions { Graph = options.OutputOnnx!, Images = images },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);
        var fromGraph = LabelImageEngine.Run(
            new LabelImageOptions { Graph = options.OutputGraph, Labels = options.OutputLabels, Images = images },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        // The preprocessing came from the ONNX metadata: without it the defaults would be mean 0, std 255.
        Assert.Equal((127.5f, 127.5f, 224, 224), (fromOnnx.Model.InputMean, fromOnnx.Model.InputStd, fromOnnx.Model.InputHeight, fromOnnx.Model.InputWidth));
        Assert.Equal(["daisy", "roses", "tulips"], fromOnnx.Images[0].Top.Select(s => s.Label).Order(StringComparer.Ordinal));
        AssertClose(fromGraph, fromOnnx, 1e-4f);
    }

    private static void AssertClose(LabelImageResult expected, LabelImageResult actual, float tolerance)
    {
        Assert.Equal(expected.Images.Count, actual.Images.Count);
        var worst = 0f;
        for (var i = 0; i < expected.Images.Count; i++)
        {
            Assert.Equal(expected.Images[i].Probabilities.Length, actual.Images[i].Probabilities.Length);
            for (var c = 0; c < expected.Images[i].Probabilities.Length; c++)
            {
                worst = Math.Max(worst, Math.Abs(expected.Images[i].Probabilities[c] - actual.Images[i].Probabilities[c]));
            }
        }

        Assert.True(worst <= tolerance, $"largest difference {worst}");
    }
}
