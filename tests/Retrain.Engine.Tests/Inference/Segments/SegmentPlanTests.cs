using Google.Protobuf;
using Retrain.Graphs;
using Retrain.Graphs.Import;
using Retrain.Inference;
using Retrain.Inference.Kernels;
using Retrain.Inference.Segments;
using Retrain.Protos.Onnx;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Inference.Segments;

public class SegmentPlanTests
{
    private const int Side = 14;

    [Fact]
    public void TryCreate_StemOfThreeByThreeConvolutions_CutsOutEveryOneOnThePath()
    {
        var plan = SegmentPlan.TryCreate(Onnx(Stem()));

        Assert.NotNull(plan);
        Assert.Equal(["conv2", "conv3", "conv4"], plan.Convolutions.Select(c => ConvName(plan, c)));
        Assert.Equal([true, false, true], plan.Convolutions.Select(static c => c.Relu));
        Assert.Equal([true, false, false, true, false, true], plan.Steps.Select(static s => s.IsStage)); // conv2 feeds conv3 directly
        Assert.Contains(plan.Steps[3].Nodes, n => plan.Node(n).OpType == "MaxPool");
        Assert.Equal(5, plan.PerImageSteps); // a chain up to the last stage
        Assert.All(plan.Convolutions, c => Assert.True(plan.IsChannelsLast(c.Input) && plan.IsChannelsLast(c.Output)));
    }

    [Theory]
    [InlineData("stem", 3)]
    [InlineData("residual", 1)]
    [InlineData("branches", 2)]
    public void Run_WithOwnConvolutions_GivesWhatOnnxRuntimeGives(string graph, int convolutions)
    {
        var imported = GraphImporter.Import(Graph(graph), "input", "features");
        using var own = ModelRunner.Create(imported, new InferenceSettings(IntraOpThreads: 2) { AllowSpinning = false });
        using var plain = ModelRunner.Create(imported, new InferenceSettings(IntraOpThreads: 2) { WinogradConvolutions = false });
        Assert.Equal(0, plain.OwnConvolutions);
        Assert.Equal(WinogradConv3x3.IsHardwareSupported ? convolutions : 0, own.OwnConvolutions);
        Assert.Equal(plain.OutputSizePerItem, own.OutputSizePerItem);

        // Alternating batch sizes: each keeps its own buffers in both runners.
        foreach (var batch in new[] { 3, 1, 3, 2 })
        {
            AssertSameOutputs(plain, own, ReferenceOps.Values(batch * Side * Side * 3, seed: batch), batch);
        }
    }

    [Fact]
    public void TryCreate_ConvolutionInsideAResidualBranch_CarriesTheSkippedValuePastIt()
    {
        var plan = SegmentPlan.TryCreate(Onnx(Residual()));

        Assert.NotNull(plan);
        Assert.Equal(["conv2"], plan.Convolutions.Select(c => ConvName(plan, c)));
        Assert.Equal(3, plan.Steps.Count);
        var relu1 = plan.Convolutions[0].Input;
        Assert.Equal([relu1], plan.Steps[0].Outputs);
        Assert.Contains(relu1, plan.Steps[2].Inputs); // the Add around conv2 reads it again
        Assert.Equal(2, plan.LastReader(relu1));
        Assert.Equal(0, plan.PerImageSteps); // two steps read what the first writes: no chain
    }

    [Fact]
    public void TryCreate_InceptionStyleBlock_PutsTheOtherBranchesInTheStageBeforeTheConvolutions()
    {
        var plan = SegmentPlan.TryCreate(Onnx(Branches()));

        Assert.NotNull(plan);
        Assert.Equal(["branch3x3/conv_a", "branch3x3/conv_b"], plan.Convolutions.Select(c => ConvName(plan, c)));
        Assert.Equal([true, false, false, true], plan.Steps.Select(static s => s.IsStage));
        Assert.Contains(plan.Steps[0].Nodes, n => plan.Node(n).OpType == "AveragePool");
        Assert.DoesNotContain(plan.Steps[3].Nodes, n => plan.Node(n).OpType is "Conv" or "AveragePool");

        // The 1x1 and pool branches wait in ONNX Runtime's layout; only what the kernel touches is channels last.
        var carried = plan.Steps[0].Outputs.Where(v => v != plan.Convolutions[0].Input).ToList();
        Assert.Equal(2, carried.Count);
        Assert.All(carried, v => Assert.False(plan.IsChannelsLast(v)));
        Assert.All(carried, v => Assert.Contains(v, plan.Steps[3].Inputs));
        Assert.True(plan.IsChannelsLast(plan.Convolutions[1].Output));
    }

    [Fact]
    public void TryCreate_ModelEndingInTheConvolution_RunsItInOnnxRuntime()
    {
        // x -> Relu -> Conv -> output: nothing after the convolution for a last stage to run.
        var (b, conv) = ReluThenConv(padding: 0);
        b.AddOutput(conv, 1, [-1, 16, 4, 4]);

        Assert.Null(SegmentPlan.TryCreate(b.Build("ends in a conv")));

        // The same model with a Flatten after the convolution has a last stage and gets a plan.
        (b, conv) = ReluThenConv(padding: 0);
        var flat = b.Add("Flatten", "flat", [conv]);
        b.AddOutput(flat, 1, [-1, 256]);
        Assert.NotNull(SegmentPlan.TryCreate(b.Build("conv, then flatten")));
    }

    [Fact]
    public void Run_ConstantNodesFeedingALaterStage_AreCopiedIntoItNotHandedOver()
    {
        // x -> Relu -> Conv 3x3 -> Relu -> Reshape(shape from a Constant node, an int64 tensor): the Constant has no
        // inputs, so it could run in the first stage, but stages hand over float tensors only.
        var (b, conv) = ReluThenConv(padding: 1);
        var relu2 = b.Add("Relu", "relu2", [conv]);
        var shapeTensor = new TensorProto { Name = "shape_value", DataType = (int)TensorProto.Types.DataType.Int64 };
        shapeTensor.Dims.Add(2);
        shapeTensor.Int64Data.Add([-1, 16 * 36]);
        var shape = b.Add("Constant", "shape", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = shapeTensor });
        var flat = b.Add("Reshape", "flat", [relu2, shape]);
        b.AddOutput(flat, 1, [-1, 16 * 36]);
        var model = b.Build("constant node");

        var plan = SegmentPlan.TryCreate(model);
        Assert.NotNull(plan);
        Assert.Single(plan.Convolutions);
        Assert.Contains(plan.Steps[^1].Nodes, n => plan.Node(n).OpType == "Constant");
        Assert.DoesNotContain(plan.Steps[0].Nodes, n => plan.Node(n).OpType == "Constant");

        using var own = ModelRunner.Create(model.ToByteArray(), new InferenceSettings(IntraOpThreads: 2) { AllowSpinning = false });
        using var plain = ModelRunner.Create(model.ToByteArray(), new InferenceSettings(IntraOpThreads: 2) { WinogradConvolutions = false });
        Assert.Equal(WinogradConv3x3.IsHardwareSupported ? 1 : 0, own.OwnConvolutions);
        AssertSameOutputs(plain, own, ReferenceOps.Values(2 * 8 * 36, seed: 9), 2);
    }

    [Fact]
    public void TryCreate_ChannelCountsTheKernelCannotBlock_AreLeftToOnnxRuntime()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, Side, Side, 3);
        Conv(g, "conv1", "input", 3, 8, stride: 2, "SAME");
        Conv(g, "conv2", "conv1/bias", 8, 12, stride: 1, "SAME");
        Head(g, "conv2/bias");

        Assert.Null(SegmentPlan.TryCreate(Onnx(g.Graph)));
    }

    /// <summary>
    /// input -> conv1 (stride 2) -> relu -> conv2 + batch norm + relu -> conv3 + bias -> max pool -> conv4 + relu -> mean.
    /// conv2..conv4 are 3x3 stride 1 on the only path, so all three can be cut out.
    /// </summary>
    private static Retrain.Protos.TensorFlow.GraphDef Stem()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, Side, Side, 3);
        Conv(g, "conv1", "input", 3, 8, stride: 2, "SAME");
        g.Op("Relu", "relu1", ["conv1/bias"]);
        Conv(g, "conv2", "relu1", 8, 16, stride: 1, "SAME", bias: false);
        g.Const("bn/scale", ReferenceOps.Values(16, seed: 20).Select(static v => 1 + (v / 2)).ToArray(), 16);
        g.Const("bn/offset", ReferenceOps.Values(16, seed: 21), 16);
        g.Const("bn/mean", ReferenceOps.Values(16, seed: 22), 16);
        g.Const("bn/variance", ReferenceOps.Values(16, seed: 23).Select(static v => 1.5f + v).ToArray(), 16);
        g.Op("FusedBatchNormV3", "bn", ["conv2", "bn/scale", "bn/offset", "bn/mean", "bn/variance"], Float("epsilon", 0.001f), Bool("is_training", false));
        g.Op("Relu", "relu2", ["bn"]);
        Conv(g, "conv3", "relu2", 16, 16, stride: 1, "VALID");
        g.Op("MaxPool", "pool", ["conv3/bias"], Ints("ksize", 1, 2, 2, 1), Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));
        Conv(g, "conv4", "pool", 16, 32, stride: 1, "SAME");
        g.Op("Relu", "relu4", ["conv4/bias"]);
        Head(g, "relu4");
        return g.Graph;
    }

    /// <summary>An ONNX graph x [-1, 8, 6, 6] -> Relu -> 3x3 Conv to 16 channels, for the caller to finish.</summary>
    private static (OnnxGraphBuilder Builder, string Conv) ReluThenConv(int padding)
    {
        var b = new OnnxGraphBuilder();
        b.Reserve("x");
        b.AddInput("x", 1, [-1, 8, 6, 6]);
        var relu = b.Add("Relu", "relu", ["x"]);
        var w = b.AddFloatInitializer("w", ReferenceOps.Values(16 * 8 * 9, seed: 5).Select(static v => v / 4).ToArray(), [16, 8, 3, 3]);
        var conv = b.Add("Conv", "conv", [relu, w], OnnxGraphBuilder.Ints("kernel_shape", [3, 3]), OnnxGraphBuilder.Ints("pads", [padding, padding, padding, padding]));
        return (b, conv);
    }

    /// <summary>Runs both runners on <paramref name="input"/> and checks they agree within 1e-4 of the largest output.</summary>
    private static void AssertSameOutputs(ModelRunner plain, ModelRunner own, float[] input, int batch)
    {
        var expected = new float[batch * plain.OutputSizePerItem];
        var actual = new float[expected.Length];
        plain.Run(input, batch, expected);
        own.Run(input, batch, actual);
        var scale = expected.Max(static v => Math.Abs(v));
        Assert.True(scale > 0.1, "the test graph should not collapse to zeros");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * scale, $"batch {batch}, value {i}: {actual[i]} against {expected[i]}");
        }
    }

    private static Retrain.Protos.TensorFlow.GraphDef Graph(string name) => name switch
    {
        "stem" => Stem(),
        "residual" => Residual(),
        "branches" => Branches(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>input -> conv1 (stride 2) -> relu -> conv2 -> Add(conv2, relu) -> mean: conv2's input is read twice.</summary>
    private static Retrain.Protos.TensorFlow.GraphDef Residual()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, Side, Side, 3);
        Conv(g, "conv1", "input", 3, 16, stride: 2, "SAME");
        g.Op("Relu", "relu1", ["conv1/bias"]);
        Conv(g, "conv2", "relu1", 16, 16, stride: 1, "SAME");
        g.Op("AddV2", "residual", ["conv2/bias", "relu1"]);
        Head(g, "residual");
        return g.Graph;
    }

    /// <summary>
    /// An Inception-style block after a stride-2 stem: a 1x1 branch, two 3x3 convolutions in a row, an average pool,
    /// concatenated. Only the 3x3 pair can be cut out; the other branches must wait for it.
    /// </summary>
    private static Retrain.Protos.TensorFlow.GraphDef Branches()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, Side, Side, 3);
        Conv(g, "stem", "input", 3, 8, stride: 2, "SAME");
        g.Op("Relu", "stem/relu", ["stem/bias"]);
        Conv(g, "branch1x1", "stem/relu", 8, 8, stride: 1, "SAME", size: 1);
        Conv(g, "branch3x3/conv_a", "stem/relu", 8, 16, stride: 1, "SAME");
        g.Op("Relu", "branch3x3/relu_a", ["branch3x3/conv_a/bias"]);
        Conv(g, "branch3x3/conv_b", "branch3x3/relu_a", 16, 16, stride: 1, "SAME");
        g.Op("Relu", "branch3x3/relu_b", ["branch3x3/conv_b/bias"]);
        g.Op("AvgPool", "pool", ["stem/relu"], Ints("ksize", 1, 3, 3, 1), Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"));
        g.IntConst("axis", [3]);
        g.Op("ConcatV2", "mixed", ["branch1x1/bias", "branch3x3/relu_b", "pool", "axis"], Ints("N", 3));
        Head(g, "mixed");
        return g.Graph;
    }

    private static void Conv(TfGraphBuilder g, string name, string input, int inChannels, int outChannels, int stride, string padding, bool bias = true, int size = 3)
    {
        var scale = 1 / MathF.Sqrt(inChannels * size * size);
        g.Const(name + "/weights", ReferenceOps.Values(size * size * inChannels * outChannels, seed: name.Sum(static c => c)).Select(v => v * 2 * scale).ToArray(), size, size, inChannels, outChannels);
        g.Op("Conv2D", name, [input, name + "/weights"], Ints("strides", 1, stride, stride, 1), Str("padding", padding));
        if (bias)
        {
            g.Const(name + "/b", ReferenceOps.Values(outChannels, seed: outChannels), outChannels);
            g.Op("BiasAdd", name + "/bias", [name, name + "/b"]);
        }
    }

    private static void Head(TfGraphBuilder g, string input)
    {
        g.IntConst("axes", [1, 2], 2);
        g.Op("Mean", "features", [input, "axes"], Bool("keep_dims", false));
    }

    private static ModelProto Onnx(Retrain.Protos.TensorFlow.GraphDef graph, string output = "features") =>
        ModelProto.Parser.ParseFrom(GraphImporter.Import(graph, "input", output).OnnxModel);

    private static string ConvName(SegmentPlan plan, FoldedConvolution conv) => plan.Node(conv.Nodes[0]).Output[0];
}
