using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Export;

/// <summary>An ONNX backbone: retrain trains on it and writes the classifier as one ONNX file label-image runs.</summary>
public class OnnxClassifierComposerTests
{
    private static string OnnxBackbone(TinyRetrain tiny)
    {
        var onnx = GraphImporter.ImportFile(tiny.ModelPath, "input", TinyRetrain.BottleneckNode).OnnxModel;
        var path = Path.Combine(tiny.Root, "tiny_backbone.onnx");
        File.WriteAllBytes(path, onnx);
        return path;
    }

    [Fact]
    public void Retrain_OnAnOnnxBackbone_WritesAnOnnxClassifierThatLabelImageRunsWithTheSameScores()
    {
        using var tiny = new TinyRetrain();
        var options = tiny.Options("onnx") with
        {
            TfhubModule = OnnxBackbone(tiny),
            Model = new ModelOverrides(InputMean: 0f, InputStd: 255f),
            OutputOnnx = tiny.PathOf("onnx", "classifier.onnx"),
        };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

        Assert.False(File.Exists(options.OutputGraph));
        Assert.Equal("blue\ngreen\nred\n", File.ReadAllText(options.OutputLabels));
        var labelled = LabelImageEngine.Run(
            new LabelImageOptions { Graph = options.OutputOnnx!, Images = result.TestImages, TopK = 3 },
            new LogCapture().Logger,
            CancellationToken.None);

        Assert.Equal(TinyRetrain.Side, labelled.Model.InputHeight);
        var classes = TinyRetrain.Classes.Length;
        for (var i = 0; i < labelled.Images.Count; i++)
        {
            Assert.Equal(TinyRetrain.Classes[labelled.Images[i].Top[0].Index], labelled.Images[i].Top[0].Label);
            for (var c = 0; c < classes; c++)
            {
                Assert.Equal(result.Training.Test.Probabilities[(i * classes) + c], labelled.Images[i].Probabilities[c], 1e-4f);
            }
        }
    }

    [Fact]
    public void Retrain_OnAnOnnxClassifierCutAtItsFeatures_TrainsAsOnItsBackboneAndDropsTheOldHead()
    {
        using var tiny = new TinyRetrain(perClass: 8);
        var head = TinyBackbone.Build();
        head.Const("head/weights", new float[TinyRetrain.BottleneckSize * 2], TinyRetrain.BottleneckSize, 2);
        head.Op("MatMul", "head/logits", [TinyRetrain.BottleneckNode, "head/weights"]);
        head.Op("Softmax", "imagenet_probs", ["head/logits"]);
        var classifier = Path.Combine(tiny.Root, "imagenet_classifier.onnx");
        File.WriteAllBytes(classifier, GraphImporter.Import(head.Graph, "input", "imagenet_probs").OnnxModel);
        var pixels = new ModelOverrides(InputMean: 0f, InputStd: 255f);
        var plain = tiny.Options("plain") with { TfhubModule = OnnxBackbone(tiny), Model = pixels, OutputOnnx = tiny.PathOf("plain", "classifier.onnx") };
        var cut = tiny.Options("cut") with
        {
            TfhubModule = classifier,
            Model = pixels with { OutputNode = TinyRetrain.BottleneckNode },
            OutputOnnx = tiny.PathOf("cut", "classifier.onnx"),
        };

        var onBackbone = RetrainEngine.Run(plain, new LogCapture().Logger, CancellationToken.None);
        var onClassifier = RetrainEngine.Run(cut, new LogCapture().Logger, CancellationToken.None);

        Assert.Equal(onBackbone.Training.Layer.Weights, onClassifier.Training.Layer.Weights);
        var written = Retrain.Protos.Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(cut.OutputOnnx!));
        Assert.DoesNotContain(written.Graph.Node, n => n.Output.Contains("imagenet_probs"));
        var labelled = LabelImageEngine.Run(
            new LabelImageOptions { Graph = cut.OutputOnnx!, Images = onClassifier.TestImages, TopK = 1 },
            new LogCapture().Logger,
            CancellationToken.None);
        Assert.Equal(onClassifier.TestImages.Count, labelled.Images.Count);
    }

    [Fact]
    public void Retrain_OnAnOnnxBackboneWithoutOutputOnnx_SaysToPassIt()
    {
        using var tiny = new TinyRetrain(perClass: 4);
        var log = new LogCapture();
        var options = tiny.Options("no-onnx") with { TfhubModule = OnnxBackbone(tiny) };

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, log.Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--output_onnx", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Events, ev => ev.RenderMessage().StartsWith("Bottlenecks ready", StringComparison.Ordinal));
    }

    [Fact]
    public void Retrain_OnAClassifierRetrainWrote_RefusesNamesItWouldDuplicate_BeforeAnyBottleneck()
    {
        using var tiny = new TinyRetrain(perClass: 4);
        var first = tiny.Options("first") with
        {
            TfhubModule = OnnxBackbone(tiny),
            Model = new ModelOverrides(InputMean: 0f, InputStd: 255f),
            OutputOnnx = tiny.PathOf("first", "classifier.onnx"),
        };
        RetrainEngine.Run(first, new LogCapture().Logger, CancellationToken.None);

        var again = tiny.Options("again") with { TfhubModule = first.OutputOnnx, Model = first.Model, OutputOnnx = tiny.PathOf("again", "classifier.onnx") };
        var log = new LogCapture();
        var classifier = Assert.Throws<RetrainException>(() => RetrainEngine.Run(again, log.Logger, CancellationToken.None));

        // A backbone of its own whose values include the --final_tensor_name asked for.
        var backbone = first with { OutputOnnx = tiny.PathOf("third", "classifier.onnx"), FinalTensorName = TinyRetrain.BottleneckNode };
        var taken = Assert.Throws<RetrainException>(() => RetrainEngine.Run(backbone, log.Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, classifier.Code);
        Assert.Contains("already has a value named 'final_retrain_ops/", classifier.Message, StringComparison.Ordinal);
        Assert.Contains("retrain its original backbone instead", classifier.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCode.BadModel, taken.Code);
        Assert.Contains($"already has a value named '{TinyRetrain.BottleneckNode}'", taken.Message, StringComparison.Ordinal);
        Assert.Contains("Pass another --final_tensor_name", taken.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Events, ev => ev.RenderMessage().StartsWith("Bottlenecks ready", StringComparison.Ordinal));
    }
}
