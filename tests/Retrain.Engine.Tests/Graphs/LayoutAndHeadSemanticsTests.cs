using Retrain.Protos.Onnx;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>
/// Values that cross between the channels-first ops (Conv, Pool) and NHWC ops (Reshape, Softmax, MatMul, NHWC
/// inputs), and the classifier-head ops retrain.py uses.
/// </summary>
public class LayoutAndHeadSemanticsTests
{
    [Fact]
    public void ClassifierHead_ConvBiasRelu6MeanSqueezeMatMulSoftmax_MatchesHandComputation()
    {
        const int h = 4, w = 3, c = 3, k = 5, classes = 4;
        var x = ReferenceOps.Values(h * w * c, seed: 11).Select(static v => v * 4).ToArray();
        var filter = ReferenceOps.Values(c * k, seed: 12);
        var bias = ReferenceOps.Values(k, seed: 13);
        var weights = ReferenceOps.Values(classes * k, seed: 14); // [classes, k], used with transpose_b
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, h, w, c);
        g.Const("f", filter, 1, 1, c, k);
        g.Const("b", bias, k);
        g.IntConst("axes", [1, 2], 2);
        g.Const("weights", weights, classes, k);
        g.Const("fc_bias", [0.1f, -0.2f, 0.3f, 0f], classes);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));
        g.Op("BiasAdd", "bias", ["conv", "b"]);
        g.Op("Relu6", "relu6", ["bias"]);
        g.Op("Mean", "pool", ["relu6", "axes"], Bool("keep_dims", true));
        g.Op("Squeeze", "squeeze", ["pool"], Ints("squeeze_dims", 1, 2));
        g.Op("MatMul", "logits", ["squeeze", "weights"], Bool("transpose_b", true));
        g.Op("Add", "add", ["logits", "fc_bias"]);
        g.Op("Softmax", "probabilities", ["add"]);

        var actual = GraphRun.Once(g.Graph, "x", "probabilities", x, out var imported);

        // By hand: 1x1 conv + bias, relu6, mean over the 12 pixels, then logits = pooled . weights^T + fc_bias.
        var pooled = new double[k];
        for (var p = 0; p < h * w; p++)
        {
            for (var o = 0; o < k; o++)
            {
                var sum = (double)bias[o];
                for (var i = 0; i < c; i++)
                {
                    sum += x[(p * c) + i] * filter[(i * k) + o];
                }

                pooled[o] += Math.Min(Math.Max(sum, 0), 6) / (h * w);
            }
        }

        float[] fcBias = [0.1f, -0.2f, 0.3f, 0f];
        var logits = Enumerable.Range(0, classes)
            .Select(j => fcBias[j] + Enumerable.Range(0, k).Sum(o => pooled[o] * weights[(j * k) + o])).ToArray();
        var total = logits.Sum(Math.Exp);
        var expected = logits.Select(l => (float)(Math.Exp(l) / total)).ToArray();
        Assert.True(imported.BatchIsDynamic);
        Assert.Equal([-1, classes], imported.OutputShape);
        GraphRun.AssertClose(expected, actual, 1e-5);
    }

    [Fact]
    public void MatMul_TransposeA_MatchesHandComputation()
    {
        // x is [1,3]; transpose_a makes it [3,1], times a [1,2] constant: an outer product, fixed batch.
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 3);
        g.Const("m", [2f, -1f], 1, 2);
        g.Op("MatMul", "outer", ["x", "m"], Bool("transpose_a", true));

        var actual = GraphRun.Once(g.Graph, "x", "outer", [1f, 2f, 3f], out var imported);

        Assert.False(imported.BatchIsDynamic); // the batch would be contracted: it stays fixed
        Assert.Equal([2f, -1f, 4f, -2f, 6f, -3f], actual);
    }

    [Fact]
    public void ConcatV2_OfChannelsFirstAndNhwcValues_ConcatenatesChannelsInTensorFlowOrder()
    {
        // Concat along channels (-1) of a conv output (kept NCHW inside ONNX) and the raw NHWC input.
        var x = ReferenceOps.Values(2 * 3 * 2, seed: 15);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2, 3, 2);
        g.Const("f", [1, 0, 0, 0, 0, 2], 1, 1, 2, 3); // out0 = x0, out1 = 0, out2 = 2*x1
        g.IntConst("axis", [-1]);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"));
        g.Op("ConcatV2", "concat", ["conv", "x", "axis"]);
        g.Op("Relu", "relu", ["concat"]);

        var actual = GraphRun.Once(g.Graph, "x", "relu", x);

        var expected = new List<float>();
        for (var p = 0; p < 6; p++)
        {
            var (a, b) = (x[p * 2], x[(p * 2) + 1]);
            expected.AddRange(new[] { a, 0, 2 * b, a, b }.Select(static v => Math.Max(v, 0)));
        }

        GraphRun.AssertClose([.. expected], actual, 1e-6);
    }

    [Fact]
    public void ConcatV2_OfChannelsFirstValueAndConstant_KeepsTheConstantPerPixel()
    {
        var x = ReferenceOps.Values(2 * 2 * 1, seed: 18);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2, 2, 1);
        g.Const("f", [3f], 1, 1, 1, 1);
        g.Const("extra", [10, 20, 30, 40, 50, 60, 70, 80], 1, 2, 2, 2);
        g.IntConst("axis", [3]);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));
        g.Op("ConcatV2", "concat", ["conv", "extra", "axis"]);

        var actual = GraphRun.Once(g.Graph, "x", "concat", x, out var imported);

        Assert.False(imported.BatchIsDynamic); // the constant has a batch of 1
        GraphRun.AssertClose([3 * x[0], 10, 20, 3 * x[1], 30, 40, 3 * x[2], 50, 60, 3 * x[3], 70, 80], actual, 1e-6);
    }

    [Fact]
    public void Add_OfChannelsFirstConvAndNhwcInput_AddsElementwise()
    {
        var x = ReferenceOps.Values(3 * 3 * 2, seed: 16);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 3, 3, 2);
        g.Const("f", [0, 1, 1, 0], 1, 1, 2, 2); // swaps the two channels
        g.Const("scale", [10f, 100f], 2);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));
        g.Op("AddV2", "sum", ["conv", "x"]);
        g.Op("Mul", "scaled", ["sum", "scale"]);
        g.Op("Sub", "shifted", ["scaled", "x"]);

        var actual = GraphRun.Once(g.Graph, "x", "shifted", x);

        var expected = x.Select((v, i) =>
        {
            var swapped = x[i % 2 == 0 ? i + 1 : i - 1];
            return ((v + swapped) * (i % 2 == 0 ? 10f : 100f)) - v;
        }).ToArray();
        GraphRun.AssertClose(expected, actual, 1e-5);
    }

    [Fact]
    public void ReshapeAfterConv_ReadsValuesInNhwcOrder()
    {
        var x = ReferenceOps.Values(2 * 2 * 3, seed: 17);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2, 2, 3);
        g.Const("f", [1, 0, 0, 0, 1, 0, 0, 0, 1], 1, 1, 3, 3); // identity conv
        g.IntConst("shape", [1, -1], 2);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));
        g.Op("Reshape", "flat", ["conv", "shape"]);

        var actual = GraphRun.Once(g.Graph, "x", "flat", x, out var imported);

        Assert.Equal([-1, 12], imported.OutputShape);
        GraphRun.AssertClose(x, actual, 1e-6);
    }

    [Fact]
    public void ExpandDimsCastIdentity_PassValuesThrough()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 4);
        g.IntConst("axis", [1]);
        g.Op("Identity", "id", ["x"]);
        g.Op("ExpandDims", "expanded", ["id", "axis"]);
        g.Op("Cast", "cast", ["expanded"], Type("SrcT", Protos.TensorFlow.DataType.DtFloat), Type("DstT", Protos.TensorFlow.DataType.DtFloat));
        g.Op("Relu", "relu", ["cast"]);

        var actual = GraphRun.Once(g.Graph, "x", "relu", [-1f, 2f, -3f, 4f], out var imported);

        Assert.Equal([-1, 1, 4], imported.OutputShape);
        Assert.Equal([0f, 2f, 0f, 4f], actual);
    }

    [Fact]
    public void Import_RealGraphs_EmitOnlyTheInputTranspose()
    {
        foreach (var graph in new[] { "models/mobilenet_v1_0.25_224/frozen_graph.pb", "models/inception_v3/inception_v3.pb" })
        {
            var output = graph.Contains("inception") ? "pool_3/_reshape" : "MobilenetV1/Predictions/Reshape_1";
            var imported = Retrain.Graphs.GraphImporter.ImportFile(SharedData.Path(graph), "input", output);
            var model = ModelProto.Parser.ParseFrom(imported.OnnxModel);
            var transposes = model.Graph.Node.Count(static n => n.OpType == "Transpose");
            Assert.True(transposes == 1, $"{graph}: {transposes} Transpose nodes, expected only the one at the NHWC input");

            // Constant subgraphs (batch-norm arithmetic, Dequantize) are folded into initializers, not emitted.
            Assert.DoesNotContain(model.Graph.Node, static n => n.OpType is "Sqrt" or "Reciprocal" or "Sub");
        }
    }
}
