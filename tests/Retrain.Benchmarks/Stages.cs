using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Serilog.Core;

namespace Retrain.Benchmarks;

/// <summary>
/// The bottleneck pipeline's stages measured one at a time (decode alone, inference alone), then together through the
/// real <see cref="BottleneckBuilder"/>. The stage figures give the ideal the pipeline is judged against: with both
/// stages sharing the same cores, the best it can do is 1 / (1/decode + 1/inference). Each figure comes with the CPU
/// time this process spent per image, which a busy machine barely changes: it shows whether the pipeline wastes work
/// (spinning, contention) even when the wall-clock figures are noisy.
/// </summary>
internal static class Stages
{
    /// <summary>
    /// Images/s of decode + TF1 resize + normalise on <paramref name="workers"/> threads, from encoded bytes already in
    /// memory (so the disk is not measured).
    /// </summary>
    public static Rate Decode(
        IReadOnlyList<byte[]> encoded, IReadOnlyList<string> paths, ImagePreprocessing prep, int workers, ImageDecodeOptions options)
    {
        var clock = Rate.Start();
        Parallel.For(
            0,
            encoded.Count,
            new ParallelOptions { MaxDegreeOfParallelism = workers },
            () => new float[prep.TensorLength],
            (i, _, tensor) =>
            {
                ImageLoader.LoadInto(encoded[i], paths[i], prep, tensor, options);
                return tensor;
            },
            _ => { });
        return clock.Stop(encoded.Count);
    }

    /// <summary>
    /// Images/s of the model alone on batches of <paramref name="batch"/> real, already decoded images, run in place in
    /// the runner's buffers for at least <paramref name="minSeconds"/> after one warm-up batch.
    /// </summary>
    public static Rate Inference(ModelRunner runner, ReadOnlySpan<float> decoded, int batch, double minSeconds)
    {
        var input = runner.InputFor(batch);
        decoded[..input.Length].CopyTo(input);
        runner.RunInPlace(batch);
        var clock = Rate.Start();
        var images = 0;
        for (var calls = 0; calls < 2 || clock.Seconds < minSeconds; calls++)
        {
            runner.RunInPlace(batch);
            images += batch;
        }

        return clock.Stop(images);
    }

    /// <summary>
    /// Images/s of the product's bottleneck pass with a cold cache: the real builder, writing into a fresh temporary
    /// bottleneck folder that is deleted afterwards. Returns the vectors for the training benchmark.
    /// </summary>
    public static (Rate Rate, BottleneckSet Set) EndToEnd(
        LoadedModel model, IReadOnlyList<string> paths, int batch, int decodeWorkers, ImageDecodeOptions options)
    {
        using var scratch = new ScratchFolder("retrain-bench-");
        var dir = Path.Combine(scratch.Path, "bottlenecks");
        using var cache = new BottleneckCache(dir, model.CacheKeyFor(options), model.OutputLength);
        var builder = new BottleneckBuilder(model, cache, Logger.None, batch, decodeWorkers, options);
        var clock = Rate.Start();
        var set = builder.Build(paths, CancellationToken.None);
        var rate = clock.Stop(set.Computed);
        if (set.Computed != paths.Count)
        {
            throw new InvalidOperationException($"{set.Computed} of {paths.Count} bottlenecks computed ({set.Failures.Count} failed)");
        }

        return (rate, set);
    }
}
