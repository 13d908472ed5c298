using System.Runtime.InteropServices;
using System.Text.Json;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Inference.Kernels;
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

        // The 3x3 stride-1 convolutions run on retrain's Winograd kernel, the oracle checks them too: three in the
        // stem, two in each 35x35 block, one in the grid reduction after them, one in each 8x8 block.
        Assert.Equal(WinogradConv3x3.IsHardwareSupported ? 12 : 0, runner.OwnConvolutions);
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

    /// <summary>
    /// From the image files themselves, through the product's decode and TF1 resize: BMP decoding is exact, so the
    /// bottleneck must be essentially the oracle's (cosine >= 0.999); JPEG decoders differ by a few levels per pixel
    /// (libjpeg's fast integer DCT in TensorFlow vs Skia's accurate one), so 0.99 there.
    /// </summary>
    [Fact]
    public void ImageFiles_ThroughTheProductPipeline_GiveTheOracleBottlenecks()
    {
        var referenceDir = SharedData.Path("models/inception_v3/reference");
        using var oracle = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(referenceDir, "oracle.json")));
        var images = oracle.RootElement.EnumerateObject().ToList();
        var imported = GraphImporter.ImportFile(SharedData.Path("models/inception_v3/inception_v3.pb"), "input", "pool_3/_reshape");
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        var prep = new ImagePreprocessing(Side, Side, 127.5f, 127.5f);
        var input = new float[prep.TensorLength];
        var output = new float[2048];
        foreach (var image in images)
        {
            ImageLoader.LoadInto(SharedData.Path("images/imagenet/" + image.Name), prep, input);
            runner.Run(input, 1, output);
            var expected = image.Value.GetProperty("features").EnumerateArray().Select(static e => e.GetDouble()).ToArray();
            var cosine = Cosine(output, expected);
            var bound = image.Name.EndsWith(".bmp", StringComparison.OrdinalIgnoreCase) ? 0.999 : 0.99;
            TestContext.Current.SendDiagnosticMessage($"{image.Name}: cosine similarity to the oracle {cosine:F6}");
            Assert.True(cosine >= bound, $"{image.Name}: cosine {cosine:F6} < {bound}");
        }
    }

    [Fact]
    public void WinogradConvolutions_AgreeWithOnnxRuntimesOwn()
    {
        var imported = GraphImporter.ImportFile(SharedData.Path("models/inception_v3/inception_v3.pb"), "input", "pool_3/_reshape");
        using var own = ModelRunner.Create(imported, new InferenceSettings { AllowSpinning = false });
        using var plain = ModelRunner.Create(imported, new InferenceSettings { WinogradConvolutions = false });
        Assert.Equal(0, plain.OwnConvolutions);
        const int batch = 2;
        var input = ReferenceOps.Values(batch * Side * Side * 3, seed: 299);
        var expected = new float[batch * 2048];
        var actual = new float[batch * 2048];

        plain.Run(input, batch, expected);
        own.Run(input, batch, actual);

        var scale = expected.Max(static v => Math.Abs(v));
        var worst = expected.Zip(actual, static (e, a) => Math.Abs(e - a)).Max();
        TestContext.Current.SendDiagnosticMessage($"Inception-v3 with {own.OwnConvolutions} Winograd convolutions vs ONNX Runtime: max abs difference {worst:E2} (largest feature {scale:F3})");
        Assert.True(worst <= 1e-5 * scale, $"max difference {worst:E2} for features up to {scale:F3}");
    }

    private static double Cosine(float[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < b.Length; i++)
        {
            dot += a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
