using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Distortions;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Serilog.Core;
using Xunit;

namespace Retrain.Tests.Distortions;

/// <summary>
/// Distorted training batches on a device's path (<see cref="ExecutionDevice.CpuLikeCuda"/>): each step's photos are
/// decoded straight into a ring buffer the run binds, in chunks of the inference batch (the second through a view at
/// an offset), and the vectors are the CPU's default path's, bit for bit, on the shared MobileNet.
/// </summary>
public class DistortedBatchesRingTests
{
    [Fact]
    public void SharedMobileNet_DistortedSteps_OnTheRing_GiveTheCpusBits()
    {
        var images = Directory.EnumerateFiles(SharedData.Path("datasets/flower_photos_dev"), "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Take(6)
            .ToArray();
        var graph = SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb");
        var cpu = Steps(graph, images, new InferenceSettings(IntraOpThreads: 2), out var cpuCopies);
        var ring = Steps(graph, images, new InferenceSettings(ExecutionDevice.CpuLikeCuda, IntraOpThreads: 2), out var ringCopies);

        // On the CPU each chunk is copied into the runner's own buffers; on the ring none is: the run binds the step's buffer.
        Assert.Equal(6, cpuCopies);
        Assert.Equal(0, ringCopies);
        Assert.Equal(3, ring.Count);
        for (var step = 0; step < 3; step++)
        {
            Assert.Equal(cpu[step].Select(BitConverter.SingleToInt32Bits), ring[step].Select(BitConverter.SingleToInt32Bits));
        }
    }

    /// <summary>Three steps of five distorted photos, run three at a time: a chunk of three, then one of two.</summary>
    private static List<float[]> Steps(string graph, string[] images, InferenceSettings inference, out long copiedChunks)
    {
        using var model = LoadedModel.OpenBackbone(graph, new ModelOverrides(), PipelineThreads.ForPipeline(inference));
        var training = new LabeledVectors(model.OutputLength, new float[images.Length * model.OutputLength], [0, 1, 0, 1, 0, 1], images);
        var settings = new TrainingSettings(Steps: 3, TrainBatchSize: 5, Seed: 7)
        {
            Distortions = new DistortionSettings(FlipLeftRight: true, RandomCrop: 10, RandomScale: 10, RandomBrightness: 10),
        };
        using var batches = new DistortedBatches(model, training, classCount: 2, settings, firstStep: 0, inferenceBatchSize: 3, ImageDecodeOptions.Default, Logger.None, CancellationToken.None);
        var steps = new List<float[]>();
        var rows = new int[5];
        for (var step = 0; step < 3; step++)
        {
            var batch = batches.Next(step, new Random(step), rows, out var count, CancellationToken.None);
            Assert.Equal(5, count);
            steps.Add([.. Enumerable.Range(0, count).SelectMany(i => batch.Vector(i).ToArray())]);
        }

        copiedChunks = model.Runner.RunsOnOwnBuffers;

        return steps;
    }
}
