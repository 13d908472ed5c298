using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Protos.TensorFlow;
using Xunit;

namespace Retrain.Tests.TestSupport;

/// <summary>Imports a graph built in a test and runs it once through ONNX Runtime.</summary>
public static class GraphRun
{
    public static float[] Once(GraphDef graph, string input, string output, float[] values, long[]? inputShape = null) =>
        Once(graph, input, output, values, out _, inputShape);

    internal static float[] Once(GraphDef graph, string input, string output, float[] values, out ImportedGraph imported, long[]? inputShape = null)
    {
        imported = GraphImporter.Import(graph, input, output, inputShape, "test graph");
        using var runner = ModelRunner.Create(imported, new InferenceSettings(IntraOpThreads: 1));
        var result = new float[runner.OutputSizePerItem];
        runner.Run(values, 1, result);
        return result;
    }

    public static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
