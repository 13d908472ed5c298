using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Tests.Images;
using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests.Bottlenecks;

/// <summary>
/// The bottleneck pass on a device's path (<see cref="ExecutionDevice.CpuLikeCuda"/>: the run binds batch buffers
/// from the session's allocator): decoders write each image into its slot of a ring of batch buffers, the run reads
/// that same memory, a reused buffer never mixes images of two batches, and an image that cannot be decoded leaves
/// nothing of an earlier batch in the run. Every check also compares the vectors with the CPU's default path, bit for
/// bit.
/// </summary>
public sealed class RingImageFeedTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Decoders_WriteIntoTheBatchBuffer_TheRunBinds_WithNoArrayPerImage()
    {
        var paths = TinyDataset.Create(Path.Combine(_work.Path, "images"), perClass: 7).ToList();
        using var cpu = Open(ExecutionDevice.Cpu);
        using var bound = Open(ExecutionDevice.CpuLikeCuda);
        var pixels = ReferencePixels(bound, paths);
        var runs = new List<(nint Bound, nint Buffer, int Count)>();
        var execution = Assert.IsType<BoundModel>(bound.Runner.Execution);

        var ring = new BottleneckBuilder(bound, cache: null, new LogCapture().Logger, batchSize: 4, decodeWorkers: 2)
        {
            BatchRan = (buffer, images) =>
            {
                runs.Add((execution.LastBoundInput, Assert.IsType<BoundBatchBuffer>(buffer).InputAddress, images.Count));
                AssertSlotsHold(buffer, images, pixels);
            },
        };
        var set = ring.Build(paths, CancellationToken.None);
        var copied = new BottleneckBuilder(cpu, cache: null, new LogCapture().Logger, batchSize: 4, decodeWorkers: 2);
        var reference = copied.Build(paths, CancellationToken.None);

        // 21 images in batches of 4: five full ones and a last one of one image, run through a view of its first slot.
        Assert.True(bound.Runner.ReadsBatchesInPlace);
        Assert.False(cpu.Runner.ReadsBatchesInPlace);
        Assert.Equal(21, runs.Sum(r => r.Count));
        Assert.Equal(6, runs.Count);
        Assert.All(runs, r => Assert.Equal(r.Buffer, r.Bound));
        Assert.InRange(runs.Select(r => r.Buffer).Distinct().Count(), 2, BatchRing.DefaultDepth);
        Assert.Equal(0, ring.PerImageArrays);
        Assert.Equal(0, bound.Runner.RunsOnOwnBuffers);
        Assert.True(copied.PerImageArrays > 0, "the CPU's path decodes into arrays of their own");
        Assert.Equal(6, cpu.Runner.RunsOnOwnBuffers);
        Assert.InRange(ring.PeakImagesInFlight, 1, ring.MaxImagesInFlight);
        Assert.Equal(4 * BatchRing.DefaultDepth, ring.MaxImagesInFlight);
        Assert.Equal(21, set.Computed);
        Assert.Equal(Bits(reference.Vectors), Bits(set.Vectors));
    }

    [Fact]
    public void ReusedBuffers_UnderSlowAndFastDecoders_NeverMixImagesOfTwoBatches()
    {
        // Large noise PNGs (decoded whole, tens of milliseconds) among tiny ones: while a slow photo holds its batch
        // open, the other decoders fill the next buffers of the ring, and the ring comes round again.
        var folder = Path.Combine(_work.Path, "mixed");
        var paths = TinyDataset.Create(folder, perClass: 12).ToList();
        for (var i = 0; i < 4; i++)
        {
            var slow = Path.Combine(folder, $"slow{i}.png");
            File.WriteAllBytes(slow, GeneratedImages.Encode(GeneratedImages.NoiseRgb(700, 700, seed: i), 700, 700, SKEncodedImageFormat.Png));
            paths.Insert(2 + (9 * i), slow);
        }

        using var cpu = Open(ExecutionDevice.Cpu);
        using var bound = Open(ExecutionDevice.CpuLikeCuda);
        var pixels = ReferencePixels(bound, paths);
        var ran = new List<(nint Buffer, int[] Images)>();
        var builder = new BottleneckBuilder(bound, cache: null, new LogCapture().Logger, batchSize: 3, decodeWorkers: 4)
        {
            BatchRan = (buffer, images) =>
            {
                AssertSlotsHold(buffer, images, pixels);
                ran.Add((((BoundBatchBuffer)buffer).InputAddress, [.. images.Select(i => i.Index)]));
            },
        };

        var set = builder.Build(paths, CancellationToken.None);
        var reference = new BottleneckBuilder(cpu, cache: null, new LogCapture().Logger, batchSize: 3, decodeWorkers: 4).Build(paths, CancellationToken.None);

        Assert.Equal(40, set.Computed);
        Assert.Equal(Enumerable.Range(0, 40), ran.SelectMany(r => r.Images).Order());
        Assert.True(ran.Count > BatchRing.DefaultDepth, $"{ran.Count} batches: the ring was not reused");
        Assert.InRange(ran.Select(r => r.Buffer).Distinct().Count(), 1, BatchRing.DefaultDepth);
        Assert.Equal(Bits(reference.Vectors), Bits(set.Vectors));
    }

    [Fact]
    public void AnImageThatCannotBeDecoded_IsSkipped_AndLeavesNoPixelsOfAnEarlierBatchInTheRun()
    {
        var paths = TinyDataset.Create(Path.Combine(_work.Path, "images"), perClass: 7).ToList();
        using var bound = Open(ExecutionDevice.CpuLikeCuda);
        using var cpu = Open(ExecutionDevice.Cpu);
        var pixels = ReferencePixels(bound, paths);

        // One decoder: slots go out in path order, so batch k holds images 4k..4k+3.
        // Images 13 and 14 break there (a truncated PNG reads fine and fails to decode), 4 to 7 (a whole batch) and 20.
        Assert.EndsWith(".png", paths[0], StringComparison.Ordinal);
        int[] broken = [4, 5, 6, 7, 13, 14, 20];
        foreach (var i in broken)
        {
            var path = Path.Combine(_work.Path, $"broken{i}.png");
            // A byte of its own each: byte-identical files would be copies of the first, never decoded.
            File.WriteAllBytes(path, [.. File.ReadAllBytes(paths[0])[..40], (byte)i]);
            paths[i] = path;
        }

        var runs = new List<(nint Buffer, int[] Images)>();
        var log = new LogCapture();
        var builder = new BottleneckBuilder(bound, cache: null, log.Logger, batchSize: 4, decodeWorkers: 1)
        {
            BatchRan = (buffer, images) =>
            {
                AssertSlotsHold(buffer, images, pixels);
                runs.Add((((BoundBatchBuffer)buffer).InputAddress, [.. images.Select(i => i.Index)]));
            },
        };

        var set = builder.Build(paths, CancellationToken.None);
        var reference = new BottleneckBuilder(cpu, cache: null, new LogCapture().Logger, batchSize: 4, decodeWorkers: 1).Build(paths, CancellationToken.None);

        // Batch 1 had no image to run; batch 3, the ring's fourth buffer, is one of its three again: image 15 moved
        // into 13's slot and the run took two images, not the four slots that last held other images. Batch 5 (20) had none.
        int[][] expected = [[0, 1, 2, 3], [8, 9, 10, 11], [12, 15], [16, 17, 18, 19]];
        Assert.Equal(expected, runs.Select(r => r.Images).ToArray());
        Assert.InRange(runs.Select(r => r.Buffer).Distinct().Count(), 1, BatchRing.DefaultDepth);
        Assert.Equal(1, builder.ImagesMovedIntoGaps);
        Assert.Equal(broken.Select(i => paths[i]).Order(StringComparer.Ordinal), set.Failures.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.All(broken, i => Assert.Contains(log.Messages(Serilog.Events.LogEventLevel.Warning), m => m.Contains(paths[i], StringComparison.Ordinal)));
        Assert.Equal(paths.Count - broken.Length, set.Computed);
        Assert.Equal(Bits(reference.Vectors), Bits(set.Vectors));
    }

    [Fact]
    public void CancellingThePass_StopsIt_AndTheRingIsLeftSafely()
    {
        var paths = TinyDataset.Create(Path.Combine(_work.Path, "images"), perClass: 10).ToList();
        using var bound = Open(ExecutionDevice.CpuLikeCuda);
        using var cancellation = new CancellationTokenSource();
        var batches = 0;
        var builder = new BottleneckBuilder(bound, cache: null, new LogCapture().Logger, batchSize: 2, decodeWorkers: 2)
        {
            BatchRan = (_, _) =>
            {
                if (++batches == 2)
                {
                    cancellation.Cancel();
                }
            },
        };

        Assert.ThrowsAny<OperationCanceledException>(() => builder.Build(paths, cancellation.Token));
        Assert.Equal(2, batches);

        // The model is unharmed: a new pass over the same images completes.
        Assert.Equal(30, new BottleneckBuilder(bound, cache: null, new LogCapture().Logger, batchSize: 2).Build(paths, CancellationToken.None).Computed);
    }

    [Fact]
    public void ANonFiniteVector_OnTheRing_StopsThePass_AsABadModel()
    {
        var paths = TinyDataset.Create(Path.Combine(_work.Path, "images"), perClass: 4).ToList();
        var graph = TinyBackbone.Graph();
        var bias = graph.Node.Single(n => n.Name == "conv/bias").Attr["value"].Tensor;
        var values = TensorProtos.ToFloats(bias);
        values[0] = float.NaN;
        graph.Node.Single(n => n.Name == "conv/bias").Attr["value"].Tensor = TensorProtos.FromFloats(values, [values.Length]);
        using var bound = LoadedModel.OpenBackbone(
            TinyBackbone.Write(graph, _work.Path, "nan.pb"), TinyBackbone.Overrides, new InferenceSettings(ExecutionDevice.CpuLikeCuda, IntraOpThreads: 1));

        var error = Assert.Throws<RetrainException>(() =>
            new BottleneckBuilder(bound, cache: null, new LogCapture().Logger, batchSize: 4, decodeWorkers: 2).Build(paths, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("nan.pb' computed a bottleneck", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SharedMobileNet_OnTheRing_GivesTheCpusBits()
    {
        var images = Directory.EnumerateFiles(SharedData.Path("datasets/flower_photos_dev"), "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Take(7)
            .ToList();
        var graph = SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb");
        using var cpu = LoadedModel.OpenBackbone(graph, new ModelOverrides(), PipelineThreads.ForPipeline(new InferenceSettings(IntraOpThreads: 2)));
        using var bound = LoadedModel.OpenBackbone(graph, new ModelOverrides(), PipelineThreads.ForPipeline(new InferenceSettings(ExecutionDevice.CpuLikeCuda, IntraOpThreads: 2)));

        // Batches of 3: two full ones and a last image alone, through a view of the buffer.
        var reference = new BottleneckBuilder(cpu, cache: null, new LogCapture().Logger, batchSize: 3).Build(images, CancellationToken.None);
        var ring = new BottleneckBuilder(bound, cache: null, new LogCapture().Logger, batchSize: 3);
        var set = ring.Build(images, CancellationToken.None);

        Assert.True(bound.Runner.ReadsBatchesInPlace);
        Assert.Equal(0, ring.PerImageArrays);
        Assert.Equal(0, bound.Runner.RunsOnOwnBuffers);
        Assert.Equal(7, set.Computed);
        Assert.Equal(Bits(reference.Vectors), Bits(set.Vectors));
    }

    private LoadedModel Open(ExecutionDevice device) =>
        LoadedModel.OpenBackbone(TinyBackbone.Write(_work.Path, $"tiny_{device.GetHashCode():x}.pb"), TinyBackbone.Overrides, new InferenceSettings(device, IntraOpThreads: 1));

    /// <summary>Each image decoded on its own, as the slots must hold it.</summary>
    private static Dictionary<string, float[]> ReferencePixels(LoadedModel model, IEnumerable<string> paths)
    {
        var pixels = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var image = new float[model.Preprocessing.TensorLength];
            ImageLoader.LoadInto(path, model.Preprocessing, image);
            pixels[path] = image;
        }

        return pixels;
    }

    private static void AssertSlotsHold(BatchBuffer buffer, IReadOnlyList<PendingImage> images, Dictionary<string, float[]> pixels)
    {
        for (var slot = 0; slot < images.Count; slot++)
        {
            Assert.True(buffer.Image(slot).SequenceEqual(pixels[images[slot].Path]), $"slot {slot} does not hold {images[slot].Path}");
        }
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
