using Google.Protobuf;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// A frozen "backbone" small enough that bottlenecks cost microseconds, so end-to-end tests of the whole retrain
/// pipeline (and of the real CLI as a child process) run in a second: input [-1,8,8,3] in [0,1] -> 1x1 Conv2D to 6
/// channels -> BiasAdd -> Relu -> Mean over height and width -> a 6-value bottleneck per image. Its features are
/// relu(R-0.5), relu(G-0.5), relu(B-0.5) and their opposites, so colour classes separate easily.
/// </summary>
public static class TinyBackbone
{
    public const string InputNode = "input";
    public const string BottleneckNode = "bottleneck";
    public const int Size = 8;
    public const int BottleneckLength = 6;

    /// <summary>The flags retrain needs for a graph it does not recognise: input and bottleneck node names.</summary>
    public static ModelOverrides Overrides { get; } = new(InputNode: InputNode, OutputNode: BottleneckNode);

    /// <summary>The graph above, as a builder so error tests can add nodes or cut it elsewhere (e.g. at "relu", a 4-D map).</summary>
    public static TfGraphBuilder Build()
    {
        var g = new TfGraphBuilder();
        g.Placeholder(InputNode, -1, Size, Size, 3);
        g.Const("conv/weights", [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1], 1, 1, 3, BottleneckLength);
        g.Op("Conv2D", "conv", [InputNode, "conv/weights"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));
        g.Const("conv/bias", [-0.5f, -0.5f, -0.5f, 0.5f, 0.5f, 0.5f], BottleneckLength);
        g.Op("BiasAdd", "conv/add", ["conv", "conv/bias"]);
        g.Op("Relu", "relu", ["conv/add"]);
        g.IntConst("pool/axes", [1, 2], 2);
        g.Op("Mean", BottleneckNode, ["relu", "pool/axes"], Bool("keep_dims", false));
        return g;
    }

    public static GraphDef Graph() => Build().Graph;

    /// <summary>Writes the graph as a binary GraphDef into <paramref name="folder"/>; returns its path.</summary>
    public static string Write(string folder, string name = "tiny_backbone.pb") => Write(Graph(), folder, name);

    public static string Write(GraphDef graph, string folder, string name)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, graph.ToByteArray());
        return path;
    }
}
