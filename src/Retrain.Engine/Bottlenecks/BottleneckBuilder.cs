using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// Computes (or loads from the cache) the bottleneck vector of every image, retrain.py's `cache_bottlenecks`.
/// Decoding runs on worker threads while the model runs batches on the calling thread; a bounded channel between them
/// keeps memory flat whatever the dataset size. Images that cannot be read or decoded are skipped with one warning
/// each and reported in the result: one bad photo never costs the user the rest of the run.
/// </summary>
public sealed class BottleneckBuilder
{
    private readonly LoadedModel model;
    private readonly BottleneckCache? cache;
    private readonly ILogger log;
    private readonly int batchSize;
    private readonly int decodeWorkers;

    public BottleneckBuilder(LoadedModel model, BottleneckCache? cache, ILogger log, int batchSize = 16, int decodeWorkers = 0)
    {
        this.model = model;
        this.cache = cache;
        this.log = log;
        this.batchSize = Math.Max(1, Math.Min(batchSize, model.Runner.MaxBatchSize));
        this.decodeWorkers = decodeWorkers > 0 ? decodeWorkers : Math.Max(1, Environment.ProcessorCount);
    }

    public BottleneckSet Build(IReadOnlyList<string> paths, CancellationToken ct)
    {
        var length = model.OutputLength;
        var state = new BuildState(paths.Count, length);
        var prep = model.Preprocessing;
        var inputLength = prep.Height * prep.Width * 3;
        var channel = Channel.CreateBounded<Decoded>(new BoundedChannelOptions(batchSize * 2)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(() => ProduceAsync(paths, prep, inputLength, state, channel.Writer, linked.Token), linked.Token);
        try
        {
            Consume(channel.Reader, inputLength, state, paths.Count, linked.Token);
            producer.GetAwaiter().GetResult();
        }
        catch
        {
            linked.Cancel();
            try
            {
                producer.Wait(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The consumer's exception is the one worth reporting.
            }

            throw;
        }

        var failures = state.Failures.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        return new BottleneckSet(length, state.Vectors, state.Available, state.Computed, state.Reused, failures);
    }

    private async Task ProduceAsync(
        IReadOnlyList<string> paths,
        ImagePreprocessing prep,
        int inputLength,
        BuildState state,
        ChannelWriter<Decoded> writer,
        CancellationToken ct)
    {
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = decodeWorkers, CancellationToken = ct };
            await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), options, async (index, token) =>
            {
                var path = paths[index];
                var (bytes, failure) = await ImageFileReader.ReadAsync(path, token);
                if (bytes is null)
                {
                    state.Fail(path, failure!, log);
                    return;
                }

                var key = BottleneckCache.ContentKey(bytes);
                if (cache is not null && cache.TryRead(key, state.Slot(index)))
                {
                    state.MarkReused(index);
                    return;
                }

                var buffer = ArrayPool<float>.Shared.Rent(inputLength);
                try
                {
                    ImageLoader.LoadInto(bytes, path, prep, buffer.AsSpan(0, inputLength));
                }
                catch (RetrainException e) when (e.Code == ExitCode.BadImage)
                {
                    ArrayPool<float>.Shared.Return(buffer);
                    state.Fail(path, e.Message, log);
                    return;
                }

                await writer.WriteAsync(new Decoded(index, key, buffer), token);
            });
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
            throw;
        }
    }

    private void Consume(ChannelReader<Decoded> reader, int inputLength, BuildState state, int total, CancellationToken ct)
    {
        var input = new float[batchSize * inputLength];
        var output = new float[batchSize * state.VectorLength];
        var batch = new List<Decoded>(batchSize);
        var progress = new ProgressReporter(log, total);
        while (reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < batchSize && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Input.AsSpan(0, inputLength).CopyTo(input.AsSpan(i * inputLength));
                ArrayPool<float>.Shared.Return(batch[i].Input);
            }

            model.Runner.Run(input.AsSpan(0, batch.Count * inputLength), batch.Count, output.AsSpan(0, batch.Count * state.VectorLength));
            for (var i = 0; i < batch.Count; i++)
            {
                var vector = output.AsSpan(i * state.VectorLength, state.VectorLength);
                vector.CopyTo(state.Slot(batch[i].Index));
                cache?.Write(batch[i].Key, vector);
                state.MarkComputed(batch[i].Index);
            }

            progress.Report(state);
        }

        progress.Finish(state);
    }

    private readonly record struct Decoded(int Index, string Key, float[] Input);

    private sealed class BuildState(int count, int vectorLength)
    {
        private int computed;
        private int reused;

        public int VectorLength { get; } = vectorLength;

        public float[] Vectors { get; } = new float[(long)count * vectorLength];

        public bool[] Available { get; } = new bool[count];

        public ConcurrentBag<ImageFailure> Failures { get; } = [];

        public int Computed => Volatile.Read(ref computed);

        public int Reused => Volatile.Read(ref reused);

        public int Done => Computed + Reused + Failures.Count;

        public Span<float> Slot(int index) => Vectors.AsSpan(index * VectorLength, VectorLength);

        public void MarkReused(int index)
        {
            Available[index] = true;
            Interlocked.Increment(ref reused);
        }

        public void MarkComputed(int index)
        {
            Available[index] = true;
            Interlocked.Increment(ref computed);
        }

        public void Fail(string path, string reason, ILogger log)
        {
            Failures.Add(new ImageFailure(path, reason));
            log.Warning("Skipping {Path}: {Reason}", path, reason);
        }
    }

    /// <summary>Logs progress at most every two seconds, so 100k images give a readable log with a rate and an ETA.</summary>
    private sealed class ProgressReporter(ILogger log, int total)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan lastReport = TimeSpan.Zero;

        public void Report(BuildState state)
        {
            if (clock.Elapsed - lastReport < TimeSpan.FromSeconds(2))
            {
                return;
            }

            lastReport = clock.Elapsed;
            var rate = state.Computed / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            var remaining = total - state.Done;
            var eta = rate > 0 ? TimeSpan.FromSeconds(remaining / rate) : TimeSpan.Zero;
            log.Information(
                "Bottlenecks: {Done}/{Total} ({Reused} from cache, {Rate:0.0} images/s, about {Eta:hh\\:mm\\:ss} left)",
                state.Done,
                total,
                state.Reused,
                rate,
                eta);
        }

        public void Finish(BuildState state)
        {
            var seconds = clock.Elapsed.TotalSeconds;
            log.Information(
                "Bottlenecks ready: {Computed} computed, {Reused} reused from cache, {Failed} skipped, in {Seconds:0.0} s ({Rate:0.0} images/s computed)",
                state.Computed,
                state.Reused,
                state.Failures.Count,
                seconds,
                state.Computed / Math.Max(seconds, 1e-3));
        }
    }
}
