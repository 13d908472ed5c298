using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Images;

namespace Retrain.Benchmarks;

/// <summary>
/// One run's measurement of every stage over the whole image list. Our stages take turns chunk by chunk: decode alone,
/// inference alone and the real pipeline each process chunk 1, then chunk 2 in the reverse order, and so on. This
/// machine's speed drifts by tens of percent over minutes, and Inception-v3's stages take about a minute each over the
/// 750 flowers, so stages measured one after the other over the whole list would see different machines; taking turns
/// every few seconds (ABBA order, which also cancels a steady drift) puts them under the same load.
/// ML.NET featurises the whole list in one pass, between the first and the second half of the chunks, because that is
/// how its pipeline is used and a pass cut into short ones behaves differently: short Transform calls ran markedly
/// faster than single passes over the whole list (figures in docs/performance.md).
/// </summary>
internal sealed class InterleavedRun(
    LoadedModel alone, LoadedModel pipeline, Dataset data, int inferenceBatch, int pipelineBatch, MlNetPeer? mlnet)
{
    private float[] _decoded = [];
    private (int Start, int Count) _decodedChunk = (-1, 0);

    private enum Stage
    {
        Decode,
        Inference,
        EndToEnd,
    }

    /// <summary>
    /// Splits the list into chunks of about <paramref name="seconds"/> of the pipeline at the rates
    /// <paramref name="decode"/> and <paramref name="inference"/>, at least four batches each; a list that takes less
    /// than that is passed over several times instead. Turns come in an even number unless there is one, so that
    /// ML.NET's pass sits in the middle.
    /// </summary>
    public static Schedule Plan(int images, double decode, double inference, int batch, double seconds)
    {
        var idealSeconds = images * ((1 / decode) + (1 / inference));
        var chunks = Math.Clamp((int)Math.Round(idealSeconds / seconds), 1, Math.Max(1, images / (4 * batch)));
        var passes = chunks > 1 ? 1 : Math.Clamp((int)Math.Round(seconds / idealSeconds), 1, 8);
        chunks = chunks == 1 ? 1 : chunks & ~1;
        passes = passes == 1 ? 1 : passes & ~1;
        return new Schedule([.. Enumerable.Range(0, chunks).Select(k => (images * k / chunks, (images * (k + 1) / chunks) - (images * k / chunks)))], passes);
    }

    /// <summary>
    /// Measures every stage over every chunk of every pass; <paramref name="reverse"/> starts with the reversed order
    /// (and, with a single turn, puts ML.NET first). The vectors returned are the last pass's.
    /// </summary>
    public (Rate Decode, Rate Inference, Rate EndToEnd, Rate? MlNet, BottleneckSet Set) Measure(Schedule schedule, bool reverse)
    {
        var sums = new Dictionary<Stage, RateSum>();
        var sets = new List<BottleneckSet>();
        Rate? peer = null;
        var turns = schedule.Chunks.Count * schedule.Passes;
        var peerAt = turns == 1 ? (reverse ? 0 : 1) : turns / 2;
        Stage[] order = [Stage.Decode, Stage.Inference, Stage.EndToEnd];
        for (var k = 0; k <= turns; k++)
        {
            if (k == peerAt && mlnet is not null)
            {
                Quiesce();
                peer = mlnet.Featurize(0, data.Paths.Count);
            }

            if (k == turns)
            {
                break;
            }

            var (start, count) = schedule.Chunks[k % schedule.Chunks.Count];
            if (k % schedule.Chunks.Count == 0)
            {
                sets.Clear();
            }

            foreach (var stage in (k % 2 == 1) ^ reverse ? order.Reverse() : order)
            {
                Quiesce();
                var rate = stage switch
                {
                    Stage.Decode => Stages.Decode(Slice(data.Encoded, start, count), Slice(data.Paths, start, count), alone.Preprocessing, Environment.ProcessorCount, ImageDecodeOptions.Default),
                    Stage.Inference => Inference(start, count),
                    _ => EndToEnd(start, count, sets),
                };
                (sums.TryGetValue(stage, out var sum) ? sum : sums[stage] = new RateSum()).Add(rate, count);
            }
        }

        return (sums[Stage.Decode].Total, sums[Stage.Inference].Total, sums[Stage.EndToEnd].Total, peer, Concatenate(sets));
    }

    /// <summary>
    /// The model alone on the chunk's real images, decoded beforehand (not timed; once for all passes when the whole list
    /// is one chunk), in batches of the best size.
    /// </summary>
    private Rate Inference(int start, int count)
    {
        var prep = alone.Preprocessing;
        if (_decodedChunk != (start, count))
        {
            if (_decoded.Length < count * prep.TensorLength)
            {
                _decoded = new float[count * prep.TensorLength];
            }

            Parallel.For(0, count, i => ImageLoader.LoadInto(data.Encoded[start + i], data.Paths[start + i], prep, _decoded.AsSpan(i * prep.TensorLength, prep.TensorLength)));
            _decodedChunk = (start, count);
        }

        var runner = alone.Runner;
        var clock = Rate.Start();
        for (var first = 0; first < count; first += inferenceBatch)
        {
            var n = Math.Min(inferenceBatch, count - first);
            _decoded.AsSpan(first * prep.TensorLength, n * prep.TensorLength).CopyTo(runner.InputFor(n));
            runner.RunInPlace(n);
        }

        return clock.Stop(count);
    }

    /// <summary>
    /// Collects the garbage the previous stage left before the next is timed, so that no stage pays for another's: a
    /// background collection of the arrays earlier stages left (the ML.NET peer's replies, each chunk's vectors and
    /// paths, a larger decode buffer) could otherwise run on the cores while the pipeline is measured, and the real `retrain` has no such garbage. (Added when the end-to-end
    /// figure ran 6% more CPU per image than the stages alone; its own effect was not measured separately.)
    /// </summary>
    private static void Quiesce()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private Rate EndToEnd(int start, int count, List<BottleneckSet> sets)
    {
        var (rate, set) = Stages.EndToEnd(pipeline, Slice(data.Paths, start, count), pipelineBatch, PipelineThreads.DecodeWorkers, ImageDecodeOptions.Default);
        sets.Add(set);
        return rate;
    }

    /// <summary>Chunks that partition the image list, each taken <see cref="Passes"/> times.</summary>
    public sealed record Schedule(IReadOnlyList<(int Start, int Count)> Chunks, int Passes);

    private static List<T> Slice<T>(IReadOnlyList<T> list, int start, int count) => [.. list.Skip(start).Take(count)];

    /// <summary>The chunks' vectors as one set in list order, for the training benchmark.</summary>
    private static BottleneckSet Concatenate(List<BottleneckSet> sets) => new(
        sets[0].VectorLength,
        [.. sets.SelectMany(s => s.Vectors)],
        [.. sets.SelectMany(s => s.Available)],
        sets.Sum(s => s.Computed),
        sets.Sum(s => s.Reused),
        [.. sets.SelectMany(s => s.Failures)]);

    /// <summary>Wall seconds and CPU milliseconds summed over chunks, as one rate over all their images.</summary>
    private sealed class RateSum
    {
        private double _seconds;
        private double _cpuMs;
        private int _images;

        public Rate Total => new(_images / _seconds, _cpuMs / _images);

        public void Add(Rate rate, int count)
        {
            _seconds += count / rate.ImagesPerSecond;
            _cpuMs += rate.CpuMsPerImage * count;
            _images += count;
        }
    }
}
