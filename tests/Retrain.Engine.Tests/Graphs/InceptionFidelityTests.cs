using System.Runtime.InteropServices;
using System.Text.Json;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// The imported Inception-v3 against the TensorFlow.js oracle in shared/models/inception_v3/reference: for each
/// image's exact network input (.input.f32), the 2048-d bottleneck at pool_3/_reshape must match within 1e-3.
/// </summary>
public class InceptionFidelityTests
{
    private const int Side = 299;

    [Fact]
    public void Import_InceptionV3_MatchesOracleBottlenecksForEveryReferenceImage()
    {
        var graphPath = SharedData.Path("models/inception_v3/inception_v3.pb");
        var referenceDir = SharedData.Path("models/inception_v3/reference");
        using var oracle = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(referenceDir, "oracle.json")));
        var images = oracle.RootElement.EnumerateObject().ToList();
        Assert.NotEmpty(images);

        var imported = GraphImporter.ImportFile(graphPath, "input", "pool_3/_reshape");
        Assert.True(imported.BatchIsDynamic);
        Assert.Equal([-1, Side, Side, 3], imported.InputShape);
        Assert.Equal([-1, 2048], imported.OutputShape);

        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        var perItem = Side * Side * 3;
        var input = new float[images.Count * perItem];
        for (var i = 0; i < images.Count; i++)
        {
            var file = images[i].Value.GetProperty("input_file").GetString()!;
            var bytes = File.ReadAllBytes(Path.Combine(referenceDir, file));
            Assert.Equal(perItem * sizeof(float), bytes.Length);
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(input.AsSpan(i * perItem));
        }

        // All images in one batch: exercises the symbolic batch as well as the numerics.
        var output = new float[images.Count * 2048];
        runner.Run(input, images.Count, output);

        var worst = 0.0;
        for (var i = 0; i < images.Count; i++)
        {
            var expected = images[i].Value.GetProperty("features").EnumerateArray().Select(static e => e.GetSingle()).ToArray();
            Assert.Equal(2048, expected.Length);
            for (var j = 0; j < expected.Length; j++)
            {
                var error = Math.Abs(output[(i * 2048) + j] - expected[j]);
                worst = Math.Max(worst, error);
                Assert.True(error <= 1e-3, $"{images[i].Name}: feature {j} is {output[(i * 2048) + j]}, oracle {expected[j]}");
            }
        }

        TestContext.Current.SendDiagnosticMessage($"Inception-v3 max abs error vs oracle: {worst:E2}");
    }
}
