using Retrain.Backbones;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// The shared MobileNet with its weights moved into a tensor bundle (a SavedModel with variables, as TensorFlow
/// exports one before freezing) opens as a backbone and gives the frozen graph's bottlenecks bit for bit.
/// </summary>
public class SavedModelBackboneTests
{
    private const string MobileNet = "models/mobilenet_v1_0.25_128/frozen_graph.pb";
    private const string Bottleneck = "MobilenetV1/Predictions/Reshape";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MobileNetWithVariables_GivesTheFrozenGraphsBottlenecks(bool resourceVariables)
    {
        using var dir = new TempFolder();
        var pb = SharedData.Path(MobileNet);
        var folder = Path.Combine(dir.Path, "mobilenet");
        var variables = VariableSavedModel.Write(GraphDefFile.Load(pb), folder, "input", Bottleneck, resourceVariables);
        Assert.True(variables.Count > 50, $"only {variables.Count} variables");

        using var frozen = LoadedModel.OpenBackbone(pb, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));
        using var saved = LoadedModel.OpenBackbone(folder, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));

        Assert.Equal(frozen.Description with { Path = folder }, saved.Description);
        Assert.DoesNotContain(saved.Graph!.Node, n => n.Op is "VariableV2" or "VarHandleOp" or "ReadVariableOp");
        AssertSameBottlenecks(frozen, saved, frequency: 0.013);
    }

    [Fact]
    public void MobileNetAsATf2FunctionWithResourceVariables_GivesTheFrozenGraphsBottlenecks()
    {
        using var dir = new TempFolder();
        var pb = SharedData.Path(MobileNet);
        var folder = Path.Combine(dir.Path, "mobilenet_tf2");
        var output = VariableSavedModel.WriteTf2(GraphDefFile.Load(pb), folder, "input", Bottleneck);

        using var frozen = LoadedModel.OpenBackbone(pb, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));
        using var saved = LoadedModel.OpenBackbone(folder, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));

        // The signature names the call; the nodes inside it are no longer the names retrain recognises.
        Assert.Equal(("input", output, 128, 128), (saved.Description.InputNode, saved.Description.OutputNode, saved.Description.InputHeight, saved.Description.InputWidth));
        Assert.DoesNotContain(saved.Graph!.Node, n => n.Op is "VarHandleOp" or "ReadVariableOp" or "StatefulPartitionedCall");
        AssertSameBottlenecks(frozen, saved, frequency: 0.017);
    }

    [Fact]
    public void UnrecognisedGraph_TakesInputBottleneckAndImageSizeFromTheServingSignature()
    {
        using var dir = new TempFolder();
        var graph = TinyBackbone.Graph();
        var input = graph.Node.Single(n => n.Name == TinyBackbone.InputNode);
        input.Attr["shape"] = new AttrValue { Shape = Shape(-1, -1, -1, 3) };
        var folder = Path.Combine(dir.Path, "tiny");
        VariableSavedModel.Write(graph, folder, TinyBackbone.InputNode, TinyBackbone.BottleneckNode, signatureInputShape: Shape(-1, 8, 8, 3));

        using var model = LoadedModel.OpenBackbone(folder, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));

        var d = model.Description;
        Assert.Equal((TinyBackbone.InputNode, TinyBackbone.BottleneckNode, 8, 8), (d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth));
        Assert.Equal(TinyBackbone.BottleneckLength, model.OutputLength);
    }

    [Fact]
    public void FlagsWinOverTheSignature()
    {
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "tiny");
        // The signature's output is the 4-D feature map, which is no bottleneck: only the flag's node loads.
        VariableSavedModel.Write(TinyBackbone.Graph(), folder, TinyBackbone.InputNode, "relu");

        using var model = LoadedModel.OpenBackbone(folder, TinyBackbone.Overrides, new InferenceSettings(IntraOpThreads: 1));

        Assert.Equal(TinyBackbone.BottleneckNode, model.Description.OutputNode);
    }

    private static TensorShapeProto Shape(params long[] dims) =>
        new() { Dim = { dims.Select(static d => new TensorShapeProto.Types.Dim { Size = d }) } };

    /// <summary>Both models on the same batch of two 128x128 images (a sine of the given frequency): equal bit for bit.</summary>
    private static void AssertSameBottlenecks(LoadedModel frozen, LoadedModel saved, double frequency)
    {
        var input = Enumerable.Range(0, 2 * 128 * 128 * 3).Select(i => (float)Math.Sin(i * frequency)).ToArray();
        var a = new float[2 * 1001];
        var b = new float[2 * 1001];
        frozen.Runner.Run(input, 2, a);
        saved.Runner.Run(input, 2, b);
        Assert.Equal(a, b);
    }
}
