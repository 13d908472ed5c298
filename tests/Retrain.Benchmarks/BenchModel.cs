using System.Reflection;
using Retrain.Graphs;
using Retrain.Images;

namespace Retrain.Benchmarks;

/// <summary>
/// A backbone the benchmark runs: its name in the report, its file (under shared/, or an absolute path), and the
/// flags it needs.
/// </summary>
internal sealed record BenchModel(string Name, string RelativePath, ModelOverrides Overrides)
{
    public static IReadOnlyList<BenchModel> All { get; } =
    [
        new("inception_v3", "models/inception_v3/inception_v3.pb", new("input", "pool_3/_reshape")),
        new("mobilenet_v1_0.25_224", "models/mobilenet_v1_0.25_224/frozen_graph.pb", new("input", "MobilenetV1/Predictions/Reshape")),

        // ML.NET's ResNet-18 (an NCHW ONNX model with a fixed batch of 1), with the flags docs/backbones.md gives it.
        new("resnet18", ResNet18File, new ModelOverrides(InputMean: 0f, InputStd: 1f)
        {
            Arrangement = new InputArrangement(ChannelOrder: ChannelOrder.Bgr, ChannelMeans: [103.06f, 115.90f, 123.15f]),
        }),
    ];

    /// <summary>Whether the model is a TensorFlow GraphDef (the ONNX ResNet-18 is not).</summary>
    public bool IsGraphDef => RelativePath.EndsWith(".pb", StringComparison.Ordinal);

    /// <summary>The model file; <see cref="Path.Combine(string, string)"/> keeps an absolute path as it is.</summary>
    public string PathIn(string shared) => Path.Combine(shared, RelativePath);

    /// <summary>ResNet18.onnx in the NuGet package the build restores (tests/ResNet18Package.props).</summary>
    private static string ResNet18File =>
        Path.Combine(
            typeof(BenchModel).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Package").Value!,
            "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
}
