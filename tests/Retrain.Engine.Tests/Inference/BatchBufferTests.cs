using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Inference;

/// <summary>
/// Batch buffers that decoders fill in place: on a device's path (<see cref="ExecutionDevice.CpuLikeCuda"/>) the run
/// binds the buffer's own memory, any range of its slots through a view; on the CPU the range is copied into the
/// runner's buffer as before. Both give each image's own output.
/// </summary>
public class BatchBufferTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnyRangeOfSlots_RunsInPlace_AndGivesThoseImagesOutputs(bool onTheDevicesPath)
    {
        using var runner = ModelRunner.Create(Doubler(), new InferenceSettings(onTheDevicesPath ? ExecutionDevice.CpuLikeCuda : ExecutionDevice.Cpu, IntraOpThreads: 1));
        using var buffer = runner.CreateBatchBuffer(5);
        Assert.Equal(onTheDevicesPath, runner.ReadsBatchesInPlace);
        Assert.IsType(onTheDevicesPath ? typeof(BoundBatchBuffer) : typeof(CopiedBatchBuffer), buffer);
        for (var slot = 0; slot < 5; slot++)
        {
            float[] image = [slot, -slot, slot + 0.5f];
            image.CopyTo(buffer.Image(slot));
        }

        foreach (var (start, count) in new[] { (0, 5), (2, 3), (1, 1), (0, 2), (4, 1) })
        {
            var output = buffer.Run(start, count).ToArray();
            var expected = Enumerable.Range(start, count).SelectMany(s => new[] { 2f * s, -2f * s, (2f * s) + 1 }).ToArray();
            Assert.Equal(expected, output);
            if (onTheDevicesPath)
            {
                // The run bound the buffer's own memory, at the range's first slot.
                var bound = Assert.IsType<BoundModel>(runner.Execution).LastBoundInput;
                Assert.Equal(((BoundBatchBuffer)buffer).InputAddress + (start * 3 * sizeof(float)), bound);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Run(3, 3));
    }

    [Fact]
    public async Task Ring_HandsOutAtMostItsDepth_AndReusesWhatComesBack()
    {
        using var runner = ModelRunner.Create(Doubler(), new InferenceSettings(ExecutionDevice.CpuLikeCuda, IntraOpThreads: 1));
        using var ring = new BatchRing(runner, capacity: 4, depth: 2);
        var ct = TestContext.Current.CancellationToken;
        var a = await ring.AcquireAsync(ct);
        var b = await ring.AcquireAsync(ct);
        var third = ring.AcquireAsync(ct).AsTask();

        Assert.NotSame(a, b);
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(100, ct)));
        ring.Release(a);
        Assert.Same(a, await third);
        Assert.Equal(2, ring.Created);
    }

    private static ImportedGraph Doubler() => DoublerGraph.Import();
}
