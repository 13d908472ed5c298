using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>
/// The 2015 Inception graph form: BatchNormWithGlobalNormalization and the legacy Concat (concat_dim first), and a
/// JPEG-decoding prefix that is cut off by importing from the middle of the graph.
/// </summary>
public class LegacyOpTests
{
    private const int Side = 5;

    [Fact]
    public void LegacyOps_GiveTheSameOutputsAsTheirModernTwins()
    {
        var input = ReferenceOps.Values(Side * Side * 3, seed: 21);
        var modern = GraphRun.Once(Network(legacy: false), "x", "out", input);
        var legacy = GraphRun.Once(Network(legacy: true), "x", "out", input);

        Assert.Equal(4, modern.Length); // 2 + 2 concatenated channels, globally averaged
        Assert.Contains(modern, static v => v > 0.01f);
        GraphRun.AssertClose(modern, legacy, 1e-4);
    }

    [Fact]
    public void BatchNormWithGlobalNormalization_WithoutScaleAfterNormalization_IgnoresGamma()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 1, 2, 2);
        g.Const("m", [1f, -1f], 2);
        g.Const("v", [3f, 0.5f], 2);
        g.Const("beta", [0.5f, 0f], 2);
        g.Const("gamma", [100f, 100f], 2);
        g.Op("BatchNormWithGlobalNormalization", "bn", ["x", "m", "v", "beta", "gamma"],
            Float("variance_epsilon", 1f), Bool("scale_after_normalization", false));

        var actual = GraphRun.Once(g.Graph, "x", "bn", [3f, 1f, -1f, 0.5f]);

        // (x - m) / sqrt(v + eps) + beta, per channel.
        GraphRun.AssertClose([(2f / 2f) + 0.5f, 2f / MathF.Sqrt(1.5f), (-2f / 2f) + 0.5f, 1.5f / MathF.Sqrt(1.5f)], actual, 1e-5);
    }

    [Fact]
    public void Import_FromTheMulAfterAJpegDecodingPrefix_MakesMulTheInput()
    {
        var input = ReferenceOps.Values(Side * Side * 3, seed: 22);
        var direct = GraphRun.Once(Network(legacy: true), "x", "out", input);

        // The same network behind DecodeJpeg -> Cast -> ExpandDims -> ResizeBilinear -> Sub -> Mul. DecodeJpeg and
        // ResizeBilinear are not supported: importing from Mul must not touch them.
        var g = WithJpegPrefix(Network(legacy: true));
        var viaMul = GraphRun.Once(g, "Mul", "out", input, out var imported, inputShape: [1, Side, Side, 3]);

        Assert.Equal("Mul", imported.InputName);
        Assert.Equal([-1, Side, Side, 3], imported.InputShape);
        GraphRun.AssertClose(direct, viaMul, 1e-6);
    }

    [Fact]
    public void Import_FromAMiddleNodeWithDeclaredOutputShape_NeedsNoInputShape()
    {
        var g = WithJpegPrefix(Network(legacy: true));
        var builder = new TfGraphBuilder();
        builder.Graph.Node.AddRange(g.Node);
        builder.DeclareOutputShape("Mul", 1, Side, Side, 3);

        var imported = GraphImporter.Import(builder.Graph, "Mul", "out");

        Assert.Equal([-1, Side, Side, 3], imported.InputShape);
    }

    [Fact]
    public void Import_FromAMiddleNodeWithoutAnyShape_AsksForTheInputShape()
    {
        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(WithJpegPrefix(Network(legacy: true)), "Mul", "out"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("'Mul'", error.Message);
        Assert.Contains("input shape", error.Message);
    }

    /// <summary>
    /// A miniature Inception block: conv+BN+Relu stem, then a 1x1 conv branch and an avg-pool branch, concatenated
    /// on channels, globally averaged and flattened.
    /// </summary>
    private static GraphDef Network(bool legacy)
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, Side, Side, 3);
        Conv(g, "stem", "x", 3, 3, 4, seed: 31);
        Conv(g, "branch1", "stem/relu", 1, 4, 2, seed: 32);
        g.Op("AvgPool", "pool", ["stem/relu"], Ints("ksize", 1, 3, 3, 1), Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"));
        Conv(g, "branch2", "pool", 1, 4, 2, seed: 33);
        g.IntConst("axis", [3]);
        g.IntConst("axes", [1, 2], 2);
        g.IntConst("shape", [-1, 4], 2);
        if (legacy)
        {
            g.Op("Concat", "mixed", ["axis", "branch1/relu", "branch2/relu"], Ints("N", 2));
        }
        else
        {
            g.Op("ConcatV2", "mixed", ["branch1/relu", "branch2/relu", "axis"], Ints("N", 2));
        }

        g.Op("Mean", "mean", ["mixed", "axes"], Bool("keep_dims", true));
        g.Op("Reshape", "out", ["mean", "shape"]);
        return g.Graph;

        void Conv(TfGraphBuilder b, string name, string input, int k, int c, int o, int seed)
        {
            var values = ReferenceOps.Values((k * k * c * o) + (4 * o), seed);
            var (gamma, beta, mean) = (values.AsSpan(k * k * c * o, o).ToArray(), values.AsSpan((k * k * c * o) + o, o).ToArray(), values.AsSpan((k * k * c * o) + (2 * o), o).ToArray());
            var variance = values.AsSpan((k * k * c * o) + (3 * o), o).ToArray().Select(static v => Math.Abs(v) + 0.1f).ToArray();
            b.Const(name + "/w", values.AsSpan(0, k * k * c * o).ToArray(), k, k, c, o);
            b.Const(name + "/gamma", gamma, o);
            b.Const(name + "/beta", beta, o);
            b.Const(name + "/mean", mean, o);
            b.Const(name + "/variance", variance, o);
            b.Op("Conv2D", name + "/conv", [input, name + "/w"], Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"));
            if (legacy)
            {
                b.Op("BatchNormWithGlobalNormalization", name + "/bn",
                    [name + "/conv", name + "/mean", name + "/variance", name + "/beta", name + "/gamma"],
                    Float("variance_epsilon", 0.001f), Bool("scale_after_normalization", true));
            }
            else
            {
                b.Op("FusedBatchNorm", name + "/bn",
                    [name + "/conv", name + "/gamma", name + "/beta", name + "/mean", name + "/variance"],
                    Float("epsilon", 0.001f), Bool("is_training", false));
            }

            b.Op("Relu", name + "/relu", [name + "/bn"]);
        }
    }

    /// <summary>Replaces the Placeholder "x" with the 2015 Inception's decoding prefix ending in "Mul".</summary>
    private static GraphDef WithJpegPrefix(GraphDef network)
    {
        var g = new TfGraphBuilder();
        g.StringConst("DecodeJpeg/contents", [0xFF, 0xD8, 0xFF]);
        g.Op("DecodeJpeg", "DecodeJpeg", ["DecodeJpeg/contents"], Ints("channels", 3));
        g.Op("Cast", "Cast", ["DecodeJpeg"], Type("SrcT", DataType.DtUint8), Type("DstT", DataType.DtFloat));
        g.IntConst("ExpandDims/dim", [0]);
        g.Op("ExpandDims", "ExpandDims", ["Cast", "ExpandDims/dim"]);
        g.IntConst("ResizeBilinear/size", [Side, Side], 2);
        g.Op("ResizeBilinear", "ResizeBilinear", ["ExpandDims", "ResizeBilinear/size"], Bool("align_corners", false));
        g.Const("Sub/y", [128f]);
        g.Op("Sub", "Sub", ["ResizeBilinear", "Sub/y"]);
        g.Const("Mul/y", [1f / 128f]);
        g.Op("Mul", "Mul", ["Sub", "Mul/y"]);
        foreach (var node in network.Node.Where(static n => n.Name != "x"))
        {
            var copy = node.Clone();
            for (var i = 0; i < copy.Input.Count; i++)
            {
                if (copy.Input[i] == "x")
                {
                    copy.Input[i] = "Mul";
                }
            }

            g.Graph.Node.Add(copy);
        }

        return g.Graph;
    }
}
