using Google.Protobuf;
using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Protos.Onnx;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// An ONNX model cut by --bottleneck_layer / --output_layer: an ImageNet-style classifier used as a backbone at its
/// pooled features, and one output of a model that has several.
/// </summary>
public sealed class OnnxOutputSelectorTests : IDisposable
{
    private const string Probabilities = "probs";
    private static readonly ModelOverrides Pixels = new(InputMean: 0f, InputStd: 255f);

    private readonly TempFolder _folder = new();

    [Fact]
    public void Classifier_CutAtItsFeatures_GivesTheBackbonesVectors()
    {
        var classifier = WriteClassifier();
        var backbone = Write("backbone.onnx", GraphImporter.Import(TinyBackbone.Graph(), TinyBackbone.InputNode, TinyBackbone.BottleneckNode).OnnxModel);
        var pixels = Enumerable.Range(0, 2 * TinyBackbone.Size * TinyBackbone.Size * 3).Select(i => (float)((i * 37) % 255) / 255f).ToArray();

        using var cut = LoadedModel.OpenBackbone(classifier, Pixels with { OutputNode = TinyBackbone.BottleneckNode }, new InferenceSettings());
        using var plain = LoadedModel.OpenBackbone(backbone, Pixels, new InferenceSettings());
        using var whole = LoadedModel.OpenClassifier(classifier, Pixels, new InferenceSettings(), "final_result");

        Assert.Equal(TinyBackbone.BottleneckNode, cut.Description.OutputNode);
        Assert.Equal(TinyBackbone.BottleneckLength, cut.OutputLength);
        Assert.Equal(Run(plain.Runner, pixels), Run(cut.Runner, pixels));
        Assert.NotEqual(whole.CacheKey, cut.CacheKey); // one file, two cuts: their vectors never share a cache
    }

    [Fact]
    public void Cut_DropsTheHeadItNoLongerNeeds()
    {
        var classifier = ModelProto.Parser.ParseFrom(Classifier());
        classifier.Graph.SparseInitializer.Add(new SparseTensorProto
        {
            Values = new TensorProto { Name = "head/sparse_weights", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 1 }, FloatData = { 1f } },
            Indices = new TensorProto { Name = "head/sparse_weights_indices", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { 0 } },
            Dims = { 3 },
        });

        var model = ModelProto.Parser.ParseFrom(OnnxOutputSelector.Select(classifier.ToByteArray(), TinyBackbone.BottleneckNode, "classifier.onnx"));

        Assert.Equal([TinyBackbone.BottleneckNode], model.Graph.Output.Select(o => o.Name));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType is "Softmax" or "MatMul");
        Assert.DoesNotContain(model.Graph.Initializer, i => i.Name.StartsWith("head", StringComparison.Ordinal));
        Assert.Empty(model.Graph.SparseInitializer);
        Assert.Contains(model.Graph.Node, n => n.OpType == "Conv");
        Assert.Equal([TinyBackbone.InputNode], model.Graph.Input.Select(i => i.Name));
    }

    [Fact]
    public void NoNameOrTheModelsOwnOutput_LeavesTheBytesAlone()
    {
        var bytes = Classifier();

        Assert.Same(bytes, OnnxOutputSelector.Select(bytes, null, "classifier.onnx"));
        Assert.Same(bytes, OnnxOutputSelector.Select(bytes, Probabilities, "classifier.onnx"));
    }

    [Fact]
    public void ModelWithTwoOutputs_TakesTheOneNamed_AndWithoutANameSaysWhichFlag()
    {
        var model = ModelProto.Parser.ParseFrom(Classifier());
        model.Graph.Output.Add(new ValueInfoProto
        {
            Name = TinyBackbone.BottleneckNode,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        var path = Write("two_outputs.onnx", model.ToByteArray());

        using var probabilities = LoadedModel.OpenClassifier(path, Pixels with { OutputNode = Probabilities }, new InferenceSettings(), "final_result");
        var unnamed = Assert.Throws<RetrainException>(
            () => LoadedModel.OpenClassifier(path, Pixels, new InferenceSettings(), "final_result"));

        Assert.Equal(Probabilities, probabilities.Runner.OutputName);
        Assert.Equal(3, probabilities.OutputLength);
        Assert.Equal(ExitCode.BadModel, unnamed.Code);
        Assert.Contains("2 output(s) (probs, bottleneck)", unnamed.Message, StringComparison.Ordinal);
        Assert.Contains("--output_layer (label-image)", unnamed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameNoNodeComputes_IsBadModelListingTheOutputs()
    {
        var path = WriteClassifier();

        var error = Assert.Throws<RetrainException>(
            () => LoadedModel.OpenBackbone(path, Pixels with { OutputNode = "pool" }, new InferenceSettings()));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains($"'{path}' has no value named 'pool'", error.Message, StringComparison.Ordinal);
        Assert.Contains("(its outputs: 'probs')", error.Message, StringComparison.Ordinal);
        Assert.Contains("--bottleneck_layer (retrain)", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    // The tiny backbone with an ImageNet-style head: bottleneck -> MatMul (6 -> 3) -> Softmax, imported up to "probs".
    private static byte[] Classifier()
    {
        var g = TinyBackbone.Build();
        g.Const("head/weights", Enumerable.Range(0, TinyBackbone.BottleneckLength * 3).Select(i => (i % 5) - 2f).ToArray(), TinyBackbone.BottleneckLength, 3);
        g.Op("MatMul", "head/logits", [TinyBackbone.BottleneckNode, "head/weights"]);
        g.Op("Softmax", Probabilities, ["head/logits"]);
        return GraphImporter.Import(g.Graph, TinyBackbone.InputNode, Probabilities).OnnxModel;
    }

    private static float[] Run(ModelRunner runner, float[] pixels)
    {
        var output = new float[2 * runner.OutputSizePerItem];
        runner.Run(pixels, 2, output);
        return output;
    }

    private string WriteClassifier() => Write("classifier.onnx", Classifier());

    private string Write(string name, byte[] bytes) => _folder.Write(name, bytes);
}
