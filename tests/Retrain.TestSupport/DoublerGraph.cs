using Retrain.Graphs;

namespace Retrain.Tests.TestSupport;

/// <summary>The smallest model with a batch axis: out = 2·x for x of shape [-1, 3], for tests of how models are run.</summary>
internal static class DoublerGraph
{
    public static ImportedGraph Import()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", -1, 3);
        g.Const("two", [2f]);
        g.Op("Mul", "out", ["x", "two"]);
        return GraphImporter.Import(g.Graph, "x", "out");
    }
}
