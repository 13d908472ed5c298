using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// Issue 18, part 1: retrain on ML.NET's ResNet-18 (channels-first, BGR, one mean per channel, fixed batch of 1) with
/// default training flags, export it as ONNX, and label the test photos with the exported file and no flags: the
/// layout and normalisation travel in its metadata.
/// </summary>
public sealed class ResNet18RetrainTests : IDisposable
{
    /// <summary>Default training flags but --random_seed: each seed draws other initial weights and batches.</summary>
    private const int Seeds = 5;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Flowers_OnResNet18_TrainWell_AndTheExportedOnnxLabelsAlike()
    {
        var ct = TestContext.Current.CancellationToken;
        var results = new List<RetrainResult>();
        for (var seed = 0; seed < Seeds; seed++)
        {
            var output = Path.Combine(_folder.Path, $"seed{seed}");
            var options = new RetrainOptions
            {
                // Spelled relative to the test's folder, so the split is the same on every checkout (retrain.py hashes the path as given).
                ImageDir = Path.GetRelativePath(Environment.CurrentDirectory, SharedData.Path("datasets/flower_photos_dev")),
                TfhubModule = ResNet18BackboneTests.PackageFile("tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"),
                Model = new ModelOverrides(InputStd: 1f)
                {
                    // What ResNetPreprocess.onnx does (docs/backbones.md): BGR, minus its mean image averaged per channel.
                    Arrangement = new InputArrangement(ChannelOrder: ChannelOrder.Bgr, ChannelMeans: [103.06f, 115.90f, 123.15f]),
                },
                RandomSeed = seed,
                OutputGraph = Path.Combine(output, "output_graph.pb"),
                OutputLabels = Path.Combine(output, "output_labels.txt"),
                OutputOnnx = Path.Combine(output, "classifier.onnx"),
                // One cache: the first run computes the bottlenecks, the others only train.
                BottleneckDir = Path.Combine(_folder.Path, "bottlenecks"),
            };

            var result = RetrainEngine.Run(options, new LogCapture().Logger, ct);
            Assert.Empty(result.SkippedImages);
            TestContext.Current.SendDiagnosticMessage(
                $"ResNet-18 flowers, --random_seed {seed}: test accuracy {result.Training.Test.Accuracy:P2} (N={result.Training.Test.Count}), " +
                $"smallest winning margin {SmallestWinningMargin(result.Training.Test, result.Labels.Count):0.000}");
            results.Add(result);
            if (seed == 0)
            {
                // Every seed exports the same way; one check keeps the test short.
                CheckExportLabelsAlike(result, options.OutputOnnx!, ct);
            }
        }

        // Issue 18's bar, over seeds so one lucky draw cannot pass it (docs/backbones.md has the figures).
        var mean = results.Average(r => r.Training.Test.Accuracy);
        Assert.True(mean >= 0.85, $"mean test accuracy over {Seeds} seeds {mean:P2}: {string.Join(", ", results.Select(r => r.Training.Test.Accuracy.ToString("P2", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    /// <summary>
    /// The smallest lead of the true class's probability over the runner-up among the photos classified right: how
    /// far the nearest one is from flipping.
    /// </summary>
    private static float SmallestWinningMargin(Retrain.Training.TestResult test, int classes) =>
        Enumerable.Range(0, test.Count)
            .Select(i =>
            {
                var p = test.Probabilities.AsSpan(i * classes, classes).ToArray();
                var truth = test.TrueClasses[i];
                return p[truth] - Enumerable.Range(0, classes).Where(c => c != truth).Max(c => p[c]);
            })
            .Where(margin => margin > 0)
            .DefaultIfEmpty(float.NaN)
            .Min();

    /// <summary>Labels the test photos with the exported ONNX file and no flags: the probabilities are the trained layer's.</summary>
    private static void CheckExportLabelsAlike(RetrainResult result, string classifier, CancellationToken ct)
    {
        var labelled = LabelImageEngine.Run(
            new LabelImageOptions { Graph = classifier, Images = result.TestImages, TopK = 1 },
            new LogCapture().Logger,
            ct);
        var classes = result.Labels.Count;
        var worst = 0f;
        for (var i = 0; i < result.TestImages.Count; i++)
        {
            var trained = result.Training.Test.Probabilities[(i * classes)..((i + 1) * classes)];
            var exported = labelled.Images[i].Probabilities;
            worst = Math.Max(worst, Enumerable.Range(0, classes).Max(c => Math.Abs(trained[c] - exported[c])));
        }

        Assert.True(worst < 1e-4f, $"exported ONNX and the trained layer differ by up to {worst} in a probability");
    }
}

public class InputArrangementOnGraphDefTests
{
    [Fact]
    public void BgrOnATensorFlowGraph_IsAUsageErrorNamingTheFlag()
    {
        var e = Assert.Throws<RetrainException>(() => Retrain.Backbones.LoadedModel.OpenBackbone(
            SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            new ModelOverrides { Arrangement = new InputArrangement(ChannelOrder: ChannelOrder.Bgr) },
            new Retrain.Inference.InferenceSettings()));

        Assert.Equal(Retrain.Errors.ExitCode.Usage, e.Code);
        Assert.Contains("--input_channel_order", e.Message, StringComparison.Ordinal);
        Assert.Contains("frozen_graph.pb", e.Message, StringComparison.Ordinal);
    }
}
