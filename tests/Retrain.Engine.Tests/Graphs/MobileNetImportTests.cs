using System.Globalization;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>The five shared MobileNet v1 graphs (float and quantized) imported from `input` to the softmax.</summary>
public class MobileNetImportTests
{
    private const string Softmax = "MobilenetV1/Predictions/Reshape_1";
    private const string Logits = "MobilenetV1/Predictions/Reshape";
    private const int Classes = 1001;

    public static TheoryData<string, int> Graphs => new()
    {
        { "mobilenet_v1_0.25_224/frozen_graph.pb", 224 },
        { "mobilenet_v1_0.25_224/quantized_graph.pb", 224 },
        { "mobilenet_v1_0.25_128/frozen_graph.pb", 128 },
        { "mobilenet_v1_0.25_128/quantized_graph.pb", 128 },
        { "mobilenet_v1_0.50_224_quantized/quantized_graph.pb", 224 },
    };

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Import_MobileNet_GivesASoftmaxOverTheImagenetClassesWithSymbolicBatch(string graph, int side)
    {
        var imported = GraphImporter.ImportFile(SharedData.Path("models/" + graph), "input", Softmax);

        // The graphs fix the batch to 1; the importer relaxes it.
        Assert.True(imported.BatchIsDynamic);
        Assert.Equal([-1, side, side, 3], imported.InputShape);
        Assert.Equal([-1, Classes], imported.OutputShape);

        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        Assert.Equal(int.MaxValue, runner.MaxBatchSize);
        Assert.Equal([side, side, 3], runner.InputShapePerItem);
        Assert.Equal(Classes, runner.OutputSizePerItem);

        var output = new float[Classes];
        runner.Run(SyntheticImage(side, phase: 0), 1, output);
        Assert.All(output, static p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(1.0, output.Sum(static p => (double)p), 4);
    }

    [Fact]
    public void Import_MobileNetLogits_IsTheRetrainBottleneck()
    {
        var imported = GraphImporter.ImportFile(SharedData.Path("models/mobilenet_v1_0.25_128/frozen_graph.pb"), "input", Logits);
        Assert.Equal([-1, Classes], imported.OutputShape);
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        var logits = new float[Classes];
        runner.Run(SyntheticImage(128, phase: 1), 1, logits);

        // Logits are unnormalized: not a distribution.
        Assert.Contains(logits, static v => v < 0);
    }

    [Fact]
    public void Run_MobileNetBatchOfFour_EqualsFourRunsOfOne()
    {
        var imported = GraphImporter.ImportFile(SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"), "input", Softmax);
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        var perItem = 224 * 224 * 3;
        var batch = new float[4 * perItem];
        for (var i = 0; i < 4; i++)
        {
            SyntheticImage(224, phase: i).CopyTo(batch, i * perItem);
        }

        var batched = new float[4 * Classes];
        runner.Run(batch, 4, batched);
        for (var i = 0; i < 4; i++)
        {
            var single = new float[Classes];
            runner.Run(batch.AsSpan(i * perItem, perItem), 1, single);
            for (var j = 0; j < Classes; j++)
            {
                Assert.True(Math.Abs(single[j] - batched[(i * Classes) + j]) <= 1e-5, $"item {i} class {j}: {single[j]} vs {batched[(i * Classes) + j]}");
            }
        }
    }

    [Fact]
    public void Run_FloatAndQuantizedMobileNet_AgreeOnTop1ForASmoothImage()
    {
        var image = SyntheticImage(224, phase: 0);
        var top = new List<int>();
        foreach (var graph in new[] { "frozen_graph.pb", "quantized_graph.pb" })
        {
            var imported = GraphImporter.ImportFile(SharedData.Path("models/mobilenet_v1_0.25_224/" + graph), "input", Softmax);
            using var runner = ModelRunner.Create(imported, new InferenceSettings());
            var output = new float[Classes];
            runner.Run(image, 1, output);
            top.Add(Array.IndexOf(output, output.Max()));
        }

        Assert.Equal(top[0], top[1]);
    }

    /// <summary>
    /// Top-1 and the top-5 scores of every MobileNet on the four shared BMPs, against expected_top5.tsv (made by an
    /// independent interpreter with TF1 resize_bilinear and (x-127.5)/127.5 preprocessing).
    /// </summary>
    [Theory]
    [MemberData(nameof(Graphs))]
    public void Run_MobileNetOnSharedImages_MatchesExpectedTop5(string graph, int side)
    {
        var expected = File.ReadAllLines(SharedData.Path("images/imagenet/expected_top5.tsv"))
            .Where(static l => l.Length > 0 && !l.StartsWith('#'))
            .Select(static l => l.Split('\t'))
            .Where(f => f[0] == graph)
            .Select(static f => (Image: f[1], Rank: int.Parse(f[2], CultureInfo.InvariantCulture), Index: int.Parse(f[3], CultureInfo.InvariantCulture),
                Score: float.Parse(f[5], CultureInfo.InvariantCulture)))
            .ToList();
        var images = expected.Select(static e => e.Image).Distinct().ToList();
        Assert.Equal(4, images.Count);

        var imported = GraphImporter.ImportFile(SharedData.Path("models/" + graph), "input", Softmax);
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        var perItem = side * side * 3;
        var input = new float[images.Count * perItem];
        for (var i = 0; i < images.Count; i++)
        {
            // The product's own decode + TF1 resize + normalisation: this checks the whole label-image input path.
            ImageLoader.LoadInto(
                SharedData.Path("images/imagenet/" + images[i]),
                new ImagePreprocessing(side, side, 127.5f, 127.5f),
                input.AsSpan(i * perItem, perItem));
        }

        var output = new float[images.Count * Classes];
        runner.Run(input, images.Count, output);

        var worst = 0f;
        for (var i = 0; i < images.Count; i++)
        {
            var scores = output.AsSpan(i * Classes, Classes).ToArray();
            var top1 = Array.IndexOf(scores, scores.Max());
            var rows = expected.Where(e => e.Image == images[i]).ToList();
            Assert.Equal(rows.Single(static r => r.Rank == 1).Index, top1);
            foreach (var row in rows)
            {
                var difference = Math.Abs(scores[row.Index] - row.Score);
                worst = Math.Max(worst, difference);
                Assert.True(difference <= 0.03f, $"{graph} {images[i]} rank {row.Rank} class {row.Index}: {scores[row.Index]:F4} vs expected {row.Score:F4}");
            }
        }

        TestContext.Current.SendDiagnosticMessage($"{graph}: top-1 matches on {images.Count} images; max top-5 score difference {worst:F4}");
    }

    /// <summary>A smooth, deterministic NHWC image in [-1,1]; <paramref name="phase"/> makes different images.</summary>
    internal static float[] SyntheticImage(int side, int phase)
    {
        var image = new float[side * side * 3];
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    image[(((y * side) + x) * 3) + c] =
                        0.8f * MathF.Sin((x * 6.0f / side) + (c * 1.3f) + phase) * MathF.Cos((y * 4.0f / side) - (phase * 0.7f));
                }
            }
        }

        return image;
    }
}
