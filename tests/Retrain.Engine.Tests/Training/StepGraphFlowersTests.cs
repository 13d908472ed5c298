using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Data;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>MobileNet v1 0.25_224 bottlenecks of the shared flower photos, computed once by the engine's own pipeline.</summary>
public sealed class FlowerVectorsFixture
{
    public FlowerVectorsFixture()
    {
        var log = new LogCapture().Logger;
        // retrain.py hashes each path as --image_dir spells it, so the split follows the spelling: relative to the test's
        // folder, the shared folder beside the checkout is spelled alike on every machine.
        var imageDir = Path.GetRelativePath(Environment.CurrentDirectory, SharedData.Path("datasets/flower_photos_dev"));
        var lists = ImageListBuilder.Create(imageDir, 10, 10, log);
        using var model = LoadedModel.OpenBackbone(
            SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"), new ModelOverrides(), PipelineThreads.ForPipeline(new InferenceSettings()));
        var parts = DatasetParts.From(lists);
        var bottlenecks = new BottleneckBuilder(model, cache: null, log).Build(parts.AllPaths, CancellationToken.None);
        (Training, Validation, Testing) = parts.Split(bottlenecks);
        Labels = lists.Labels;
    }

    internal LabeledVectors Training { get; }

    internal LabeledVectors Validation { get; }

    internal LabeledVectors Testing { get; }

    public IReadOnlyList<string> Labels { get; }
}

/// <summary>
/// Issue 16, part 3: the step graph that trains the final layer on a GPU, run on ONNX Runtime's CPU provider beside
/// retrain's SIMD kernels on the flowers' vectors, from the same initial layer through the same batches (one seed).
/// </summary>
public class StepGraphFlowersTests(FlowerVectorsFixture flowers) : IClassFixture<FlowerVectorsFixture>
{
    private static readonly TrainingSettings Defaults = new();

    [Fact]
    public void After100Steps_WeightsAndBiasesAgreeWithTheSimdKernels_Within1e5OfTheLargest()
    {
        var (simd, graph) = TrainBoth(Defaults with { Steps = 100 });

        float[] simdValues = [.. simd.Layer.Weights, .. simd.Layer.Biases];
        float[] graphValues = [.. graph.Layer.Weights, .. graph.Layer.Biases];
        var largest = simdValues.Max(Math.Abs);
        var worst = simdValues.Zip(graphValues, (s, g) => Math.Abs(s - g)).Max();
        TestContext.Current.SendDiagnosticMessage($"after 100 steps: largest weight or bias {largest}, largest difference {worst} ({worst / largest:E2} of it)");
        Assert.True(worst <= 1e-5f * largest, $"largest difference {worst}, largest weight or bias {largest}");
    }

    [Fact]
    public void After4000Steps_TheTestAccuracyIsTheSimdKernels_WithinHalfAPoint()
    {
        var (simd, graph) = TrainBoth(Defaults);

        TestContext.Current.SendDiagnosticMessage($"after 4000 steps: test accuracy {simd.Test.Accuracy:P2} (SIMD kernels), {graph.Test.Accuracy:P2} (step graph), N={simd.Test.Count}");
        Assert.Equal(simd.Test.Count, graph.Test.Count);
        Assert.True(simd.Test.Accuracy >= 0.7, $"SIMD kernels' test accuracy {simd.Test.Accuracy:P2}");
        Assert.True(Math.Abs(simd.Test.Accuracy - graph.Test.Accuracy) <= 0.005, $"{simd.Test.Accuracy:P2} vs {graph.Test.Accuracy:P2}");
    }

    private (TrainingResult Simd, TrainingResult Graph) TrainBoth(TrainingSettings settings)
    {
        TrainingResult Train(ExecutionDevice device) => Trainer.Run(
            new TrainingJob(flowers.Training, flowers.Validation, flowers.Testing, flowers.Labels, settings with { Inference = new InferenceSettings(device) }),
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        return (Train(ExecutionDevice.Cpu), Train(ExecutionDevice.CpuStepGraph));
    }
}
