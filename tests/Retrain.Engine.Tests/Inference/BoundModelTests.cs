using Microsoft.ML.OnnxRuntime;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Inference.Kernels;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Inference;

/// <summary>
/// The GPU's way of running a whole model (<see cref="BoundModel"/>: batches in the session allocator's host memory,
/// fed through I/O binding), run on ONNX Runtime's CPU provider through <see cref="ExecutionDevice.CpuLikeCuda"/>
/// beside the CPU's plain runs: the same session gives the same bits, whichever way the batch reaches it.
/// </summary>
public class BoundModelTests
{
    [Fact]
    public void MobileNet_BoundBatches_AreBitIdenticalToTheCpuDefaultPath()
    {
        var graph = GraphImporter.ImportFile(SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"), "input", "MobilenetV1/Predictions/Reshape");
        using var cpu = ModelRunner.Create(graph, new InferenceSettings(IntraOpThreads: 2));
        using var bound = ModelRunner.Create(graph, new InferenceSettings(ExecutionDevice.CpuLikeCuda, IntraOpThreads: 2));

        // MobileNet has no convolution retrain's kernel takes: the CPU's default path is the plain whole-model run.
        Assert.Equal(0, cpu.OwnConvolutions);
        Assert.Equal("managed arrays (pinned)", cpu.BatchMemory);
        Assert.Equal("Cpu host memory from the session's allocator", bound.BatchMemory);
        AssertBitIdentical(cpu, bound, [3, 1, 3, 2]);
    }

    [Fact]
    public void InceptionV3_BoundBatches_SkipTheCpuRewritesAndAreBitIdenticalToThePlainSession()
    {
        var graph = Inception();
        using var plain = ModelRunner.Create(graph, new InferenceSettings(IntraOpThreads: 2) { WinogradConvolutions = false });

        // The Winograd kernel is asked for, and the device type declines it: the GPU's sessions hold the whole model.
        using var bound = ModelRunner.Create(graph, new InferenceSettings(ExecutionDevice.CpuLikeCuda, IntraOpThreads: 2) { WinogradConvolutions = true });

        Assert.Equal(0, bound.OwnConvolutions);
        Assert.Equal(0, plain.OwnConvolutions);
        Assert.Equal("Cpu host memory from the session's allocator", bound.BatchMemory);
        AssertBitIdentical(plain, bound, [2, 1, 2]);
    }

    [Fact]
    public void InceptionV3_OnTheCpuDevice_StillRunsRetrainsOwnConvolutions()
    {
        Assert.SkipUnless(WinogradConv3x3.IsHardwareSupported, "the Winograd kernel needs AVX2 and FMA");
        using var cpu = ModelRunner.Create(Inception(), new InferenceSettings(IntraOpThreads: 2));

        Assert.True(cpu.OwnConvolutions > 0);
    }

    [Fact]
    public void Devices_OnlyTheCpuTakesRetrainsCpuRewrites()
    {
        Assert.True(ExecutionDevice.Cpu.RunsCpuKernels);
        Assert.False(ExecutionDevice.Cuda().RunsCpuKernels);
        Assert.False(ExecutionDevice.CpuLikeCuda.RunsCpuKernels);
    }

    [Fact]
    public void HostMemoryTheProviderLacks_FallsBackToPinnedArraysWithTheSameResults()
    {
        var imported = Doubler();
        using var plain = ModelRunner.Create(imported, new InferenceSettings(IntraOpThreads: 1));

        // The CPU provider has no CUDA page-locked allocator: what a GPU build would do if the lookup failed.
        var session = SessionFactory.Create(imported.OnnxModel, new InferenceSettings(IntraOpThreads: 1));
        using var bound = new BoundModel(
            session,
            static () => new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.CpuOutput));
        Assert.Equal("managed arrays (pinned)", bound.BatchMemory);
        using var buffers = bound.CreateBuffers(2, [2, 3], [2, 3]);
        float[] input = [1, 2, 3, -4, 5.5f, 6];
        input.CopyTo(buffers.Input);
        bound.Run(buffers);

        var expected = new float[6];
        plain.Run(input, 2, expected);
        Assert.Equal(expected, buffers.Output.ToArray());
        Assert.Equal([2, 4, 6, -8, 11, 12], expected);
    }

    private static void AssertBitIdentical(ModelRunner reference, ModelRunner bound, int[] batches)
    {
        Assert.Equal(reference.InputShapePerItem, bound.InputShapePerItem);
        Assert.Equal(reference.OutputSizePerItem, bound.OutputSizePerItem);
        var perItem = checked((int)reference.InputShapePerItem.Aggregate(1L, static (a, d) => a * d));
        foreach (var batch in batches)
        {
            var input = ReferenceOps.Values(batch * perItem, seed: batch);
            var expected = new float[batch * reference.OutputSizePerItem];
            reference.Run(input, batch, expected);

            // The way the bottleneck pipeline feeds it: filled in place, run in place.
            input.CopyTo(bound.InputFor(batch));
            var actual = bound.RunInPlace(batch).ToArray();
            Assert.Equal(BitsOf(expected), BitsOf(actual));

            // And through the copying entry point.
            var copied = new float[expected.Length];
            bound.Run(input, batch, copied);
            Assert.Equal(BitsOf(expected), BitsOf(copied));
        }
    }

    private static ImportedGraph Inception() =>
        GraphImporter.ImportFile(SharedData.Path("models/inception_v3/inception_v3.pb"), "input", "pool_3/_reshape");

    private static ImportedGraph Doubler() => DoublerGraph.Import();

    private static int[] BitsOf(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
