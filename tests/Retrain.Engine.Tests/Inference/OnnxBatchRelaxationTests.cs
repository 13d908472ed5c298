using Google.Protobuf;
using Retrain.Backbones;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Protos.Onnx;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Inference;

/// <summary>
/// ONNX backbones exported with a fixed batch of 1 (issue 18): batched when the model allows it, one image per call
/// when it computes with its batch of 1, with the same vectors either way.
/// </summary>
public sealed class OnnxBatchRelaxationTests : IDisposable
{
    private const int Channels = 2;
    private const int Side = 4;
    private const int PerImage = 3 * Side * Side;

    private readonly TempFolder _folder = new();

    /// <summary>What follows the pooled [1,2,1,1] features.</summary>
    public enum Head
    {
        /// <summary>Nothing: the bottleneck is [N,C,1,1].</summary>
        ChannelsFirst,

        /// <summary>A Transpose: the bottleneck is [N,1,1,C].</summary>
        ChannelsLast,

        /// <summary>A Reshape to a hard-coded [1,2]: a batch of two cannot be reshaped.</summary>
        HardCodedReshape,

        /// <summary>A Reshape to [1,-1], a softmax and back: a batch of two runs, but mixes its images.</summary>
        BatchMixingSoftmax,
    }

    [Theory]
    [InlineData(Head.ChannelsFirst)]
    [InlineData(Head.ChannelsLast)]
    public void FixedBatchOfOne_RunsBatched_WithTheVectorsOfOneImagePerCall(Head head)
    {
        var bytes = Model(head);
        using var model = LoadedModel.OpenBackbone(_folder.Write("fixed.onnx", bytes), new ModelOverrides(), new InferenceSettings());
        using var original = ModelRunner.Create(bytes, new InferenceSettings());

        Assert.Equal(1, original.MaxBatchSize);
        Assert.Equal(int.MaxValue, model.Runner.MaxBatchSize);
        Assert.Contains("dynamic batch", model.BatchNote, StringComparison.Ordinal);
        Assert.Equal(TensorLayout.Nchw, model.Layout);

        // The 4-D bottleneck is read flat: one vector of C values per image.
        Assert.Equal(Channels, model.OutputLength);
        var images = Images(3);
        var batched = new float[3 * Channels];
        model.Runner.Run(images, 3, batched);
        Assert.Equal(OnePerCall(original, images, 3), batched);
        Assert.NotEqual(batched[..Channels], batched[Channels..(2 * Channels)]);

        // The composed classifier is built from the model that runs: its input takes any batch.
        var input = ModelProto.Parser.ParseFrom(model.OnnxModel).Graph.Input.Single();
        Assert.Equal("batch", input.Type.TensorType.Shape.Dim[0].DimParam);
    }

    [Theory]
    [InlineData(Head.HardCodedReshape)]
    [InlineData(Head.BatchMixingSoftmax)]
    public void ModelComputingWithItsBatchOfOne_FallsBackToOneImagePerCall_WithCorrectVectors(Head head)
    {
        var bytes = Model(head);
        using var model = LoadedModel.OpenBackbone(_folder.Write("fixed.onnx", bytes), new ModelOverrides(), new InferenceSettings());
        using var features = ModelRunner.Create(Model(Head.ChannelsFirst), new InferenceSettings());

        Assert.Equal(1, model.Runner.MaxBatchSize);
        Assert.StartsWith("it runs one image per call", model.BatchNote, StringComparison.Ordinal);
        Assert.Equal(bytes, model.OnnxModel); // the model as exported, not the relaxed one

        // Each image's vector is what the head computes from that image's pooled features alone.
        var images = Images(2);
        var actual = OnePerCall(model.Runner, images, 2);
        var pooled = OnePerCall(features, images, 2);
        var expected = head == Head.HardCodedReshape ? pooled : [.. Softmax(pooled[..Channels]), .. Softmax(pooled[Channels..])];
        Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void OnTheGpusCodePaths_TheCheckRunsOnTheCpu_AndTheModelRunsBatched()
    {
        var bytes = Model(Head.ChannelsFirst);
        using var model = LoadedModel.OpenBackbone(_folder.Write("fixed.onnx", bytes), new ModelOverrides(), new InferenceSettings(ExecutionDevice.CpuLikeCuda));
        using var original = ModelRunner.Create(bytes, new InferenceSettings());

        Assert.Equal(int.MaxValue, model.Runner.MaxBatchSize);
        var images = Images(2);
        var batched = new float[2 * Channels];
        model.Runner.Run(images, 2, batched);
        Assert.Equal(OnePerCall(original, images, 2), batched, (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void DynamicBatchOrOtherFixedBatch_IsLeftAsItIs()
    {
        var dynamic = ModelProto.Parser.ParseFrom(Model(Head.ChannelsFirst));
        dynamic.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        var four = ModelProto.Parser.ParseFrom(Model(Head.ChannelsFirst));
        four.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = 4 };

        Assert.Null(OnnxBatchRelaxation.WithSymbolicBatch(dynamic.ToByteArray()));
        Assert.Null(OnnxBatchRelaxation.WithSymbolicBatch(four.ToByteArray()));
        Assert.NotNull(OnnxBatchRelaxation.WithSymbolicBatch(Model(Head.ChannelsFirst)));
    }

    public void Dispose() => _folder.Dispose();

    private static float[] OnePerCall(ModelRunner runner, float[] images, int count)
    {
        var output = new float[count * runner.OutputSizePerItem];
        for (var k = 0; k < count; k++)
        {
            runner.Run(images.AsSpan(k * PerImage, PerImage), 1, output.AsSpan(k * runner.OutputSizePerItem, runner.OutputSizePerItem));
        }

        return output;
    }

    private static float[] Images(int count) =>
        [.. Enumerable.Range(0, count * PerImage).Select(i => (float)((i * 37 + (i / PerImage) * 11) % 29) / 29f - 0.4f)];

    private static float[] Softmax(float[] x)
    {
        var e = x.Select(v => Math.Exp(v - x.Max())).ToArray();
        return [.. e.Select(v => (float)(v / e.Sum()))];
    }

    /// <summary>Conv 3x3 (3 -> 2 channels) + Relu + GlobalAveragePool on [1,3,4,4], then <paramref name="head"/>.</summary>
    private static byte[] Model(Head head)
    {
        var graph = new GraphProto { Name = "fixed_batch" };
        graph.Input.Add(Value("image", 1, 3, Side, Side));
        graph.Initializer.Add(Floats("w", [.. Enumerable.Range(0, Channels * 3 * 9).Select(i => ((i * 7) % 13 - 6) / 10f)], Channels, 3, 3, 3));
        graph.Initializer.Add(Floats("b", [0.1f, -0.05f], Channels));
        var conv = Node("Conv", ["image", "w", "b"], "conv");
        conv.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } });
        graph.Node.Add(conv);
        graph.Node.Add(Node("Relu", ["conv"], "relu"));
        graph.Node.Add(Node("GlobalAveragePool", ["relu"], "pool"));
        switch (head)
        {
            case Head.ChannelsFirst:
                graph.Node.Add(Node("Identity", ["pool"], "features"));
                graph.Output.Add(Value("features", 1, Channels, 1, 1));
                break;
            case Head.ChannelsLast:
                var transpose = Node("Transpose", ["pool"], "features");
                transpose.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 0, 2, 3, 1 } });
                graph.Node.Add(transpose);
                graph.Output.Add(Value("features", 1, 1, 1, Channels));
                break;
            case Head.HardCodedReshape:
                graph.Initializer.Add(Longs("flat", [1, Channels]));
                graph.Node.Add(Node("Reshape", ["pool", "flat"], "features"));
                graph.Output.Add(Value("features", 1, Channels));
                break;
            default:
                graph.Initializer.Add(Longs("one_row", [1, -1]));
                graph.Initializer.Add(Longs("per_image", [-1, Channels]));
                graph.Node.Add(Node("Reshape", ["pool", "one_row"], "row"));
                var softmax = Node("Softmax", ["row"], "soft");
                softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                graph.Node.Add(softmax);
                graph.Node.Add(Node("Reshape", ["soft", "per_image"], "features"));
                graph.Output.Add(Value("features", 1, Channels));
                break;
        }

        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string[] inputs, string output) =>
        new() { OpType = op, Name = output, Input = { inputs }, Output = { output } };

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(static d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { dims } };
        t.FloatData.AddRange(values);
        return t;
    }

    private static TensorProto Longs(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length } };
        t.Int64Data.AddRange(values);
        return t;
    }
}
