using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.Images;
using SkiaSharp;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// A retrain setup that runs in well under a second: a three-class dataset of generated 16x16 PNGs (red-, green- and
/// blue-tinted noise) and <see cref="TinyBackbone"/>, both written to a temporary folder. <see cref="Options"/> gives
/// a run with its own outputs, built on <see cref="TinyRuns.Options"/> (the one tiny-run builder).
/// </summary>
public sealed class TinyRetrain : IDisposable
{
    public const string BottleneckNode = TinyBackbone.BottleneckNode;
    public const int Side = TinyBackbone.Size;
    public const int BottleneckSize = TinyBackbone.BottleneckLength;
    public static readonly string[] Classes = ["blue", "green", "red"];

    private readonly TempFolder _folder = new();

    public TinyRetrain(int perClass = 24)
    {
        ImageDir = Path.Combine(_folder.Path, "images");
        for (var c = 0; c < Classes.Length; c++)
        {
            var folder = Path.Combine(ImageDir, Classes[c]);
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
            {
                File.WriteAllBytes(
                    Path.Combine(folder, SpreadNames.Pick(ImageDir, Classes[c], $"img{i:000}", ".png", i, perClass)),
                    Image(c, seed: (c * 1000) + i));
            }
        }

        ModelPath = Path.Combine(_folder.Path, "tiny_backbone.pb");
        GraphDefFile.Save(TinyBackbone.Graph(), ModelPath);
    }

    public string Root => _folder.Path;

    public string ImageDir { get; }

    public string ModelPath { get; }

    /// <summary>
    /// Options for a run whose outputs go to <c>&lt;root&gt;/&lt;name&gt;/</c>; the bottleneck cache is shared. 20%
    /// test and 20% validation over names from <see cref="SpreadNames"/>: from 4 images per class on, every class has
    /// at least two training images, and from 5 on, images in every part.
    /// </summary>
    public RetrainOptions Options(string name = "run") =>
        TinyRuns.Options(Path.Combine(Root, name), ImageDir, ModelPath) with
        {
            Model = new ModelOverrides(OutputNode: BottleneckNode),
            OutputGraph = PathOf(name, "output_graph.pb"),
            OutputLabels = PathOf(name, "output_labels.txt"),
            BottleneckDir = Path.Combine(Root, "bottlenecks"),
            IntermediateOutputGraphsDir = PathOf(name, "intermediate"),
            TestingPercentage = 20,
            ValidationPercentage = 20,
            HowManyTrainingSteps = 30,
            EvalStepInterval = 10,
            LearningRate = 0.5f,
            ValidationBatchSize = 8,
            InferenceBatchSize = 8,
            Inference = new InferenceSettings(),
        };

    public string PathOf(string name, string file) => Path.Combine(Root, name, file);

    public void Dispose() => _folder.Dispose();

    private static byte[] Image(int classIndex, int seed)
    {
        var random = new Random(seed);
        var rgb = GeneratedImages.Rgb(16, 16, (_, _) =>
        {
            Span<byte> pixel = stackalloc byte[3];
            for (var k = 0; k < 3; k++)
            {
                // The class's own channel is bright, the others dim: linearly separable mean colours.
                pixel[k] = (byte)((k == 2 - classIndex ? 150 : 30) + random.Next(100));
            }

            return (pixel[0], pixel[1], pixel[2]);
        });
        return GeneratedImages.Encode(rgb, 16, 16, SKEncodedImageFormat.Png);
    }
}
