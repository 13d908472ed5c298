using Retrain.Graphs;

namespace Retrain.Benchmarks;

/// <summary>A backbone the benchmark runs: its name in the report, its file under shared/, and its nodes.</summary>
internal sealed record BenchModel(string Name, string RelativePath, string InputNode, string BottleneckNode)
{
    public static IReadOnlyList<BenchModel> All { get; } =
    [
        new("inception_v3", "models/inception_v3/inception_v3.pb", "input", "pool_3/_reshape"),
        new("mobilenet_v1_0.25_224", "models/mobilenet_v1_0.25_224/frozen_graph.pb", "input", "MobilenetV1/Predictions/Reshape"),
    ];

    public ModelOverrides Overrides => new(InputNode, BottleneckNode);

    public string PathIn(string shared) => Path.Combine(shared, RelativePath);
}
