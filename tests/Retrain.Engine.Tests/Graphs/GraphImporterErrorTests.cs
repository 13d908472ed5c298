using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>User-facing import failures: BadModel with what failed, where, and a hint.</summary>
public class GraphImporterErrorTests
{
    [Fact]
    public void Import_MisspelledInputNode_ListsTheClosestNames()
    {
        var path = SharedData.Path("models/mobilenet_v1_0.25_128/frozen_graph.pb");

        var error = Assert.Throws<RetrainException>(() => GraphImporter.ImportFile(path, "inptu", "MobilenetV1/Predictions/Reshape_1"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("node 'inptu' not found", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains("Closest names: input", error.Message);
    }

    [Fact]
    public void Import_MisspelledOutputNode_ListsNamesContainingIt()
    {
        var g = SmallGraph();
        g.Op("Relu", "final_result", ["x"]);
        g.Op("Relu", "final_training_ops/add", ["x"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "final_reslt", graphSource: "x.pb"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("'final_reslt' not found in graph 'x.pb'. Closest names: final_result", error.Message);
    }

    [Fact]
    public void Import_TwoNodesOfOneName_IsBadModelNamingTheGraphAndTheNode()
    {
        var g = SmallGraph();
        g.Op("Relu", "features", ["x"]);
        g.Op("Sigmoid", "features", ["x"]);
        g.Op("Relu", "out", ["features"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "out", graphSource: "merged.pb"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("Node name 'features' appears twice in graph 'merged.pb' (nodes #", error.Message);
        Assert.Contains("remove one of the two nodes", error.Message);
    }

    [Fact]
    public void Import_UnsupportedOp_NamesTheOpTheNodeAndThePath()
    {
        var g = SmallGraph();
        g.Op("Foo", "bar", ["x"]);
        g.Op("Relu", "out", ["bar"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "out"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("Unsupported TensorFlow op 'Foo' at node 'bar' (needed to compute 'out' from 'x')", error.Message);
    }

    [Fact]
    public void Import_UnsupportedOpOffThePath_IsIgnored()
    {
        var g = SmallGraph();
        g.Op("Foo", "bar", ["x"]);
        g.Op("Relu", "out", ["x"]);

        var imported = GraphImporter.Import(g.Graph, "x", "out");

        Assert.Equal([-1, 2], imported.OutputShape);
    }

    [Fact]
    public void Import_OutputNotDependingOnInput_SaysSo()
    {
        var g = SmallGraph();
        g.Const("c", [1f, 2f], 1, 2);
        g.Op("Relu", "out", ["c"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "out"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("'out' does not depend on input node 'x'", error.Message);
    }

    [Fact]
    public void Import_OutputNeedingAnotherPlaceholder_NamesIt()
    {
        var g = SmallGraph();
        g.Placeholder("other", 1, 2);
        g.Op("Add", "out", ["x", "other"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "out"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("'other' in the graph is a Placeholder that must be fed", error.Message);
    }

    [Fact]
    public void Import_NonFloatInput_IsRejected()
    {
        var g = new TfGraphBuilder();
        g.StringConst("contents", [1, 2, 3]);
        g.Op("DecodeJpeg", "decoded", ["contents"]);
        g.Graph.Node[^1].Attr.Remove("T");
        g.Graph.Node[^1].Attr["dtype"] = new AttrValue { Type = DataType.DtUint8 };
        g.Op("Relu", "out", ["decoded"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "decoded", "out", [1, 2, 2, 3]));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("only float32 inputs", error.Message);
    }

    [Fact]
    public void Import_SecondOutputOfANode_IsRejectedWithTheFix()
    {
        var g = SmallGraph();
        g.Op("Relu", "out", ["x"]);

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "out:1"));

        Assert.Contains("Use 'out'", error.Message);
        Assert.Equal([-1, 2], GraphImporter.Import(g.Graph, "x:0", "out:0").OutputShape);
    }

    [Fact]
    public void Import_ConvWithRuntimeFilter_FailsNamingTheNode()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 3, 3, 1);
        g.Op("Relu", "filter", ["x"]);
        g.Op("Conv2D", "conv", ["x", "filter"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));

        var error = Assert.Throws<RetrainException>(() => GraphImporter.Import(g.Graph, "x", "conv"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("node 'conv' (op Conv2D)", error.Message);
    }

    private static TfGraphBuilder SmallGraph()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2);
        return g;
    }
}
