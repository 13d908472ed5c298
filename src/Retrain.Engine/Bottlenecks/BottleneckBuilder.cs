using System.Runtime.ExceptionServices;
using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Progress;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// Computes (or loads from the cache) the bottleneck vector of every image, retrain.py's `cache_bottlenecks`.
/// Decoding runs on worker threads while the model runs full batches on the calling thread and a
/// <see cref="CacheWriter"/> writes the vectors out on its own task. The <see cref="ImageFeed"/> between decoders and
/// model (a bounded queue of per-image arrays on the CPU, a ring of batch buffers the run binds on a device) keeps the
/// decoded images in memory to a constant number whatever the dataset size. Images that cannot be read or decoded
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
    /// the feed, whatever the number of images; the scale test checks it.
    /// </summary>
    internal int PeakImagesInFlight { get; private set; }

    /// <summary>The bound on <see cref="PeakImagesInFlight"/> (see <see cref="ImageFeed.MaxImagesInFlight"/>).</summary>
    internal int MaxImagesInFlight => _model.Runner.ReadsBatchesInPlace
        ? RingImageFeed.MaxInFlight(_batchSize)
        : QueuedImageFeed.MaxInFlight(_batchSize, _decodeWorkers);

    /// <summary>Per-image arrays the last <see cref="Build"/> decoded into: none where decoders write into the batch buffers.</summary>
    internal int PerImageArrays { get; private set; }

    /// <summary>Images moved into the slot of one that could not be decoded, in the last <see cref="Build"/> (a ring feed only).</summary>
    internal int ImagesMovedIntoGaps { get; private set; }

    /// <summary>Called after each run of a batch buffer that decoders filled in place (tests look at what ran).</summary>
    internal Action<BatchBuffer, IReadOnlyList<PendingImage>>? BatchRan { get; init; }

    /// <summary>Least time between two progress lines; tests shorten it to see the lines of a run of a few images.</summary>
    internal TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets the progress instead of the periodic log lines (a terminal's bar); null = log them.</summary>
    public IProgressSink? Progress { get; init; }

    public BottleneckSet Build(IReadOnlyList<string> paths, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var length = _model.OutputLength;
        var state = new BuildState(paths.Count, length);
        var prep = _model.Preprocessing;

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = _cache is null || _cache.ReadOnly ? null : new CacheWriter(_cache, state.Vectors, length, linked);
        var progress = new ProgressReporter(_log, paths.Count, ProgressInterval, Progress);
        var feed = CreateFeed(state);
        var producer = Task.Run(() => ProduceAsync(paths, prep, feed, state, writer, progress, linked.Token), linked.Token);
        try
        {
            Consume(feed, state, writer, progress, linked.Token);
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
            PerImageArrays = (feed as QueuedImageFeed)?.ArraysAllocated ?? 0;
            ImagesMovedIntoGaps = (feed as RingImageFeed)?.ImagesMoved ?? 0;

            // A decoder still writing (the wait above ran out) may be writing into the feed's buffers: those are then
            // left to the process rather than freed under it.
            if (producer.IsCompleted)
            {
                feed.Dispose();
            }
        }

        state.ResolveCopies(paths, _log);
        progress.Finish(state);
        var failures = state.Failures.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        return new BottleneckSet(length, state.Vectors, state.Available, state.Computed, state.Reused, failures, state.Imported);
    }

    /// <summary>The runner decides: batch buffers it reads in place (a device) or per-image arrays copied into its own (the CPU).</summary>
    private ImageFeed CreateFeed(BuildState state) =>
        _model.Runner.ReadsBatchesInPlace
            ? new RingImageFeed(_model.Runner, _batchSize, state) { Ran = BatchRan }
            : new QueuedImageFeed(_model.Runner, _batchSize, _decodeWorkers, state);

    private async Task ProduceAsync(
        IReadOnlyList<string> paths,
        ImagePreprocessing prep,
        ImageFeed feed,
        BuildState state,
        CacheWriter? cacheWriter,
        ProgressReporter progress,
        CancellationToken ct)
    {
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = _decodeWorkers, CancellationToken = ct };
            await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), options, async (index, token) =>
            {
                var path = paths[index];
                if (!NeedsDecoding(path, index, state, cacheWriter, out var bytes, out var key))
                {
                    progress.Report(state);
                    return;
                }

                try
                {
                    var slot = await feed.ReserveAsync(token);
                    if (!TryDecode(bytes, path, prep, feed.Pixels(slot), state))
                    {
                        feed.Abandon(slot);
                        progress.Report(state);
                        return;
                    }

                    await feed.CommitAsync(slot, new PendingImage(index, key, path), token);
                }
                finally
                {
                    bytes.Dispose();
                }
            });
            feed.Complete();
        }
        catch (Exception e)
        {
            feed.Complete(e);
            throw;
        }
    }

    /// <summary>
    /// Reads one photo into a pooled buffer (photos are ~100 KB: a fresh array each would churn the large-object heap
    /// at hundreds of images a second), keys it by content, and either loads its cached vector (false returned) or
    /// hands the bytes to the caller to decode (true). A photo that cannot be read is recorded as skipped. A vector
    /// taken from retrain.py's files is written to the cache like a computed one, so it is read only once.
    /// </summary>
    private bool NeedsDecoding(string path, int index, BuildState state, CacheWriter? cacheWriter, out PooledBytes bytes, out string key)
    {
        key = string.Empty;
        try
        {
            bytes = EncodedImageFile.Read(path);
        }
        catch (RetrainException e) when (e.Code == ExitCode.BadImage)
        {
            state.Fail(path, ImageErrors.WithoutPath(path, e.Message), _log);
            bytes = default;
            return false;
        }

        key = BottleneckCache.ContentKey(bytes.Span);
        var reusable = !state.Claim(key, index) || TryReuse(path, index, key, state, cacheWriter);
        if (reusable)
        {
            bytes.Dispose();
            bytes = default;
        }

        return !reusable;
    }

    /// <summary>Whether the image needs no model run: a copy of another photo of the pass, cached, or in retrain.py's files.</summary>
    private bool TryReuse(string path, int index, string key, BuildState state, CacheWriter? cacheWriter)
    {
        // A byte-identical photo (datasets have them: flower_photos has two pairs) gets its twin's vector once the
        // pass is over (Claim returned false). Deciding by content before the cache lookup keeps the counts the same
        // on every run, and the model runs once per distinct photo.
        if (_cache is not null && _cache.TryRead(key, state.Slot(index)))
        {
            state.MarkReused(index);
            return true;
        }

        if (_retrainPy is not null && _retrainPy.TryRead(path, state.Slot(index)))
        {
            state.MarkImported(index);
            cacheWriter?.Enqueue(index, key);
            return true;
        }

        return false;
    }

    /// <summary>Decodes into the slot; a photo that cannot be decoded is recorded as skipped (false).</summary>
    private bool TryDecode(PooledBytes bytes, string path, ImagePreprocessing prep, Span<float> pixels, BuildState state)
    {
        try
        {
            ImageLoader.LoadInto(bytes.Span, path, prep, pixels, _decodeOptions);
            return true;
        }
        catch (RetrainException e) when (e.Code == ExitCode.BadImage)
        {
            state.Fail(path, ImageErrors.WithoutPath(path, e.Message), _log);
            return false;
        }
    }

    private void Consume(ImageFeed feed, BuildState state, CacheWriter? writer, ProgressReporter progress, CancellationToken ct)
    {
        var length = state.VectorLength;
        while (feed.RunNext(ct, out var batch, out var output))
        {
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
}
