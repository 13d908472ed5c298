using Retrain.Bottlenecks;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Inference;

/// <summary>
/// A whole retrain run on the GPU's code paths (<see cref="ExecutionDevice.CpuLikeCuda"/>: bound batches at the GPU's
/// batch size, the step graph) beside the CPU's: the bottleneck pass and distorted training run through them.
/// </summary>
public class GpuPathsRetrainTests
{
    [Fact]
    public void Bottlenecks_OnTheGpusPaths_AreTheCpusBytes()
    {
        using var tiny = new TinyRetrain(perClass: 10);
        var cpuCache = Path.Combine(tiny.Root, "bottlenecks-cpu");
        var gpuCache = Path.Combine(tiny.Root, "bottlenecks-gpu");

        // No --inference_batch_size: each side at its own default (16 here, 64 there).
        var cpu = RetrainEngine.CacheBottlenecks(
            tiny.Options("cpu") with { BottleneckDir = cpuCache, InferenceBatchSize = null, BottlenecksOnly = true },
            new LogCapture().Logger,
            CancellationToken.None);
        var gpu = RetrainEngine.CacheBottlenecks(
            tiny.Options("gpu") with { BottleneckDir = gpuCache, InferenceBatchSize = null, BottlenecksOnly = true, Inference = new InferenceSettings(ExecutionDevice.CpuLikeCuda) },
            new LogCapture().Logger,
            CancellationToken.None);

        Assert.Equal(30, cpu.Computed);
        Assert.Equal(30, gpu.Computed);
        using var cpuVectors = TinyRuns.Cache(cpuCache);
        using var gpuVectors = TinyRuns.Cache(gpuCache);
        var images = Directory.EnumerateFiles(tiny.ImageDir, "*.png", SearchOption.AllDirectories).ToList();
        Assert.Equal(30, images.Count);
        foreach (var image in images)
        {
            var key = BottleneckCache.ContentKey(File.ReadAllBytes(image));
            var (a, b) = (new float[TinyRetrain.BottleneckSize], new float[TinyRetrain.BottleneckSize]);
            Assert.True(cpuVectors.TryRead(key, a));
            Assert.True(gpuVectors.TryRead(key, b));
            Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void DistortedTraining_OnTheGpusPaths_TrainsAndWritesTheGraph()
    {
        using var tiny = new TinyRetrain(perClass: 10);
        var options = tiny.Options("gpu") with
        {
            InferenceBatchSize = null,
            FlipLeftRight = true,
            RandomCrop = 10,
            RandomBrightness = 10,
            HowManyTrainingSteps = 5,
            Inference = new InferenceSettings(ExecutionDevice.CpuLikeCuda),
        };

        var log = new LogCapture();
        var result = RetrainEngine.Run(options, log.Logger, CancellationToken.None);

        // Five steps of 16 distorted photos, each through the bound model.
        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.StartsWith("Distorted 80 training images", StringComparison.Ordinal));
        Assert.True(File.Exists(result.OutputGraph));
        Assert.True(double.IsFinite(result.Training.LastCrossEntropy));
    }
}
