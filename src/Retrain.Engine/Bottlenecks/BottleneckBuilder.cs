using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Progress;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// Computes (or loads from the cache) the bottleneck vector of every image, retrain.py's `cache_bottlenecks`.
/// Decoding runs on worker threads while the model runs full batches on the calling thread and a
/// <see cref="CacheWriter"/> writes the vectors out on its own task. A bounded channel between decoders and model keeps
/// the decoded images in memory to a constant number whatever the dataset size. Images that cannot be read or decoded
/// are skipped with one warning each and reported in the result: one bad photo never costs the user the rest of the run.
/// </summary>
internal sealed class BottleneckBuilder
{
    private readonly LoadedModel _model;
    private readonly BottleneckCache? _cache;
    private readonly ILogger _log;
    private readonly int _batchSize;
    private readonly int _decodeWorkers;
    private readonly ImageDecodeOptions _decodeOptions;
    private readonly RetrainPyBottlenecks? _retrainPy;

    /// <param name="decodeWorkers">Threads decoding images; 0 = one per core (see <see cref="PipelineThreads"/>).</param>
    /// <param name="decodeOptions">How images are decoded; null = <see cref="ImageDecodeOptions.Default"/>.</param>
    /// <param name="retrainPy">Vectors retrain.py computed, used for images the cache does not have (then cached).</param>
    public BottleneckBuilder(
        LoadedModel model,
        BottleneckCache? cache,
        ILogger log,
        int batchSize = 16,
        int decodeWorkers = 0,
        ImageDecodeOptions? decodeOptions = null,
        RetrainPyBottlenecks? retrainPy = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this._model = model;
        this._cache = cache;
        this._log = log;
        this._batchSize = model.Runner.BatchSizeFor(batchSize);
        this._decodeWorkers = decodeWorkers > 0 ? decodeWorkers : PipelineThreads.DecodeWorkers;
        this._decodeOptions = decodeOptions ?? ImageDecodeOptions.Default;
        this._retrainPy = retrainPy;
    }

    /// <summary>
    /// Most decoded images held at once during the last <see cref="Build"/> (decoding, queued or batched): bounded by
    /// the channel, whatever the number of images; the scale test checks it.
    /// </summary>
    internal int PeakImagesInFlight { get; private set; }

    /// <summary>The bound on <see cref="PeakImagesInFlight"/>: queued + one batch being run + one per decoder.</summary>
    internal int MaxImagesInFlight => ChannelCapacity + _batchSize + _decodeWorkers;

    /// <summary>Least time between two progress lines; tests shorten it to see the lines of a run of a few images.</summary>
    internal TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets the progress instead of the periodic log lines (a terminal's bar); null = log them.</summary>
    public IProgressSink? Progress { get; init; }

    // Two batches queued: the model never waits for a batch the decoders could have finished while it ran the last.
    private int ChannelCapacity => _batchSize * 2;

    public BottleneckSet Build(IReadOnlyList<string> paths, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var length = _model.OutputLength;
        var state = new BuildState(paths.Count, length);
        var prep = _model.Preprocessing;
        var inputLength = prep.Height * prep.Width * 3;
        var channel = Channel.CreateBounded<Decoded>(new BoundedChannelOptions(ChannelCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = _cache is null ? null : new CacheWriter(_cache, state.Vectors, length, linked);
        var progress = new ProgressReporter(_log, paths.Count, ProgressInterval, Progress);
        var pool = new InputTensorPool(inputLength);
        var producer = Task.Run(() => ProduceAsync(paths, prep, pool, state, writer, progress, channel.Writer, linked.Token), linked.Token);
        try
        {
            Consume(channel.Reader, inputLength, pool, state, writer, progress, linked.Token);
            producer.GetAwaiter().GetResult();
            writer?.Finish();
        }
        catch
        {
            // The bar goes before the error is logged.
            Progress?.Finish();
            linked.Cancel();
            try
            {
                producer.Wait(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The consumer's exception is the one worth reporting.
            }

            // A failed cache write cancelled the pipeline: it is the cause, not the cancellation it caused.
            if (writer?.FinishAfterError() is { } writeFailure)
            {
                ExceptionDispatchInfo.Throw(writeFailure);
            }

            throw;
        }
        finally
        {
            PeakImagesInFlight = state.PeakInFlight;
        }

        state.ResolveCopies(paths, _log);
        progress.Finish(state);
        var failures = state.Failures.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        return new BottleneckSet(length, state.Vectors, state.Available, state.Computed, state.Reused, failures, state.Imported);
    }

    private async Task ProduceAsync(
        IReadOnlyList<string> paths,
        ImagePreprocessing prep,
        InputTensorPool pool,
        BuildState state,
        CacheWriter? cacheWriter,
        ProgressReporter progress,
        ChannelWriter<Decoded> writer,
        CancellationToken ct)
    {
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = _decodeWorkers, CancellationToken = ct };
            await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), options, async (index, token) =>
            {
                var path = paths[index];
                var buffer = Decode(path, index, prep, pool, state, cacheWriter, out var key);
                if (buffer is null)
                {
                    progress.Report(state);
                    return;
                }

                await writer.WriteAsync(new Decoded(index, key, buffer, path), token);
            });
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
            throw;
        }
    }

    /// <summary>
    /// Reads one photo into a pooled buffer (photos are ~100 KB: a fresh array each would churn the large-object heap
    /// at hundreds of images a second), keys it by content, and either loads its cached vector (null returned) or
    /// decodes it into an input tensor from the pool. A photo that cannot be read or decoded is recorded as skipped.
    /// A vector taken from retrain.py's files is written to the cache like a computed one, so it is read only once.
    /// </summary>
    private float[]? Decode(string path, int index, ImagePreprocessing prep, InputTensorPool pool, BuildState state, CacheWriter? cacheWriter, out string key)
    {
        key = string.Empty;
        PooledBytes bytes;
        try
        {
            bytes = EncodedImageFile.Read(path);
        }
        catch (RetrainException e) when (e.Code == ExitCode.BadImage)
        {
            state.Fail(path, ImageErrors.WithoutPath(path, e.Message), _log);
            return null;
        }

        using (bytes)
        {
            key = BottleneckCache.ContentKey(bytes.Span);
            if (!state.Claim(key, index))
            {
                // A byte-identical photo (datasets have them: flower_photos has two pairs) gets its twin's vector
                // once the pass is over. Deciding by content before the cache lookup keeps the counts the same on
                // every run, and the model runs once per distinct photo.
                return null;
            }

            if (_cache is not null && _cache.TryRead(key, state.Slot(index)))
            {
                state.MarkReused(index);
                return null;
            }

            if (_retrainPy is not null && _retrainPy.TryRead(path, state.Slot(index)))
            {
                state.MarkImported(index);
                cacheWriter?.Enqueue(index, key);
                return null;
            }

            var buffer = pool.Rent();
            state.EnterFlight();
            try
            {
                ImageLoader.LoadInto(bytes.Span, path, prep, buffer, _decodeOptions);
                return buffer;
            }
            catch (RetrainException e) when (e.Code == ExitCode.BadImage)
            {
                pool.Return(buffer);
                state.LeaveFlight();
                state.Fail(path, ImageErrors.WithoutPath(path, e.Message), _log);
                return null;
            }
        }
    }

    private void Consume(
        ChannelReader<Decoded> reader,
        int inputLength,
        InputTensorPool pool,
        BuildState state,
        CacheWriter? writer,
        ProgressReporter progress,
        CancellationToken ct)
    {
        var batch = new List<Decoded>(_batchSize);
        var length = state.VectorLength;
        while (FillBatch(reader, batch, ct))
        {
            // Straight into the runner's pinned input: one copy per image between decoder and model.
            var input = _model.Runner.InputFor(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Input.CopyTo(input.Slice(i * inputLength, inputLength));
                pool.Return(batch[i].Input);
                state.LeaveFlight();
            }

            var output = _model.Runner.RunInPlace(batch.Count);
            BottleneckValues.EnsureFinite(output[..(batch.Count * length)], _model, i => batch[i].Path);
            for (var i = 0; i < batch.Count; i++)
            {
                var index = batch[i].Index;
                output.Slice(i * length, length).CopyTo(state.Slot(index));
                state.MarkComputed(index);
                writer?.Enqueue(index, batch[i].Key);
            }

            progress.Report(state);
        }
    }

    /// <summary>
    /// Waits for a full batch, or the last images: running whatever happens to be queued would give small batches
    /// whenever decoding is the slower stage (MobileNet), and small batches spend on per-call overhead the cores the
    /// decoders need. Returns false once every image has been taken.
    /// </summary>
    private bool FillBatch(ChannelReader<Decoded> reader, List<Decoded> batch, CancellationToken ct)
    {
        batch.Clear();
        while (batch.Count < _batchSize)
        {
            if (reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            else if (!reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                break;
            }
        }

        return batch.Count > 0;
    }

    private readonly record struct Decoded(int Index, string Key, float[] Input, string Path);
}
