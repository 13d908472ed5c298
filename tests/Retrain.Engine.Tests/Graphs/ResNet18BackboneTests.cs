using System.Reflection;
using Retrain.Backbones;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// ML.NET's ImageNet ResNet-18 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18, restored by the test project as a
/// PackageDownload): a real channels-first ONNX backbone with a fixed batch of 1 and a [1,512,1,1] output.
/// </summary>
public class ResNet18BackboneTests
{
    /// <summary>A file of the restored ResNet-18 package; fails naming the restore when it is missing.</summary>
    internal static string PackageFile(string relative)
    {
        var root = typeof(ResNet18BackboneTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ResNet18Package").Value!;
        var path = Path.Combine(root, relative);
        Assert.True(File.Exists(path), $"'{path}' is missing: restore tests/Retrain.Engine.Tests (it downloads the package).");
        return path;
    }

    /// <summary>What ResNetPreprocess.onnx does, per channel: RGB to BGR, minus its mean image (averaged per channel).</summary>
    private static ImagePreprocessing Preprocessing(LoadedModel model) => model.Preprocessing with
    {
        Mean = 0f,
        Std = 1f,
        ChannelOrder = ChannelOrder.Bgr,
        ChannelMeans = [103.06f, 115.90f, 123.15f],
    };

    [Fact]
    public void OpenBackbone_MlNetResNet18_IsNchwAndItsBottlenecksSeparateFlowers()
    {
        using var model = LoadedModel.OpenBackbone(
            PackageFile("tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"), new ModelOverrides(), new InferenceSettings());

        Assert.Equal(TensorLayout.Nchw, model.Layout);
        Assert.Equal((224, 224), (model.Description.InputHeight, model.Description.InputWidth));
        Assert.Equal(512, model.OutputLength);

        // Exported with a fixed batch of 1, it still runs batched: two images together gave what each gives alone.
        Assert.Equal(int.MaxValue, model.Runner.MaxBatchSize);

        // Nearest class centroid on 6 photos per class, tested on the next 3: pooled ImageNet features of a working
        // backbone separate daisies, roses and sunflowers; garbage input (wrong layout or channels) does not.
        var prep = Preprocessing(model);
        string[] classes = ["daisy", "roses", "sunflowers"];
        var centroids = new List<float[]>();
        var held = new List<(int Label, float[] Vector)>();
        for (var label = 0; label < classes.Length; label++)
        {
            var files = Directory.GetFiles(SharedData.Path($"datasets/flower_photos_dev/{classes[label]}"), "*.jpg").Order(StringComparer.Ordinal).Take(9).ToArray();
            var vectors = files.Select(f => Bottleneck(model, prep, f)).ToArray();
            Assert.All(vectors, v => Assert.True(v.All(x => x >= 0 && float.IsFinite(x)) && v.Any(x => x > 0), "pooled ReLU features are >= 0, not all 0"));
            centroids.Add(Enumerable.Range(0, 512).Select(i => vectors.Take(6).Average(v => v[i])).ToArray());
            held.AddRange(vectors.Skip(6).Select(v => (label, v)));
        }

        var correct = held.Count(h => Enumerable.Range(0, classes.Length).MinBy(c => Distance(centroids[c], h.Vector)) == h.Label);
        Assert.True(correct >= 7, $"{correct} of {held.Count} held-out photos nearest their class centroid");
    }

    private static double Distance(float[] a, float[] b) => a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum();

    private static float[] Bottleneck(LoadedModel model, ImagePreprocessing prep, string image)
    {
        var input = new float[prep.TensorLength];
        ImageLoader.LoadInto(image, prep, input);
        var output = new float[model.OutputLength];
        model.Runner.Run(input, 1, output);
        return output;
    }
}
