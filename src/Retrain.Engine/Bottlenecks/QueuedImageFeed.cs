using System.Threading.Channels;
using Retrain.Inference;

namespace Retrain.Bottlenecks;

/// <summary>
/// The CPU's <see cref="ImageFeed"/>: each image is decoded into an array of its own from a pool, queued on a
/// bounded channel, and copied into the runner's pinned input when its batch is assembled (one copy per image,
/// small next to decoding; a cut model keeps its working memory per runner buffer, so the batch must be there).
/// </summary>
internal sealed class QueuedImageFeed : ImageFeed
{
    private readonly ModelRunner _runner;
    private readonly int _batchSize;
    private readonly int _decodeWorkers;
    private readonly BuildState _state;
    private readonly InputTensorPool _pool;
    private readonly Channel<(PendingImage Image, float[] Pixels)> _queue;
    private readonly List<(PendingImage Image, float[] Pixels)> _batch;
    private readonly List<PendingImage> _images;

    public QueuedImageFeed(ModelRunner runner, int batchSize, int decodeWorkers, BuildState state)
    {
        _runner = runner;
        _batchSize = batchSize;
        _decodeWorkers = decodeWorkers;
        _state = state;
        _pool = new InputTensorPool(runner.InputSizePerItem);
        _batch = new(batchSize);
        _images = new(batchSize);
        _queue = Channel.CreateBounded<(PendingImage, float[])>(new BoundedChannelOptions(QueueCapacity(batchSize))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queued + one batch being run + one per decoder.</summary>
    public override int MaxImagesInFlight => MaxInFlight(_batchSize, _decodeWorkers);

    /// <summary>Arrays the pool made: one per image in flight at the busiest moment.</summary>
    public int ArraysAllocated => _pool.Allocated;

    public static int MaxInFlight(int batchSize, int decodeWorkers) => QueueCapacity(batchSize) + batchSize + decodeWorkers;

    public override ValueTask<ImageSlot> ReserveAsync(CancellationToken ct)
    {
        var pixels = _pool.Rent();
        _state.EnterFlight();
        return ValueTask.FromResult(new ImageSlot(pixels, 0));
    }

    public override Span<float> Pixels(ImageSlot slot) => (float[])slot.Holder;

    public override ValueTask CommitAsync(ImageSlot slot, PendingImage image, CancellationToken ct) =>
        _queue.Writer.WriteAsync((image, (float[])slot.Holder), ct);

    public override void Abandon(ImageSlot slot)
    {
        _pool.Return((float[])slot.Holder);
        _state.LeaveFlight();
    }

    public override void Complete(Exception? error = null) => _queue.Writer.Complete(error);

    public override bool RunNext(CancellationToken ct, out IReadOnlyList<PendingImage> images, out ReadOnlySpan<float> vectors)
    {
        _images.Clear();
        images = _images;
        vectors = default;
        if (!FillBatch(ct))
        {
            return false;
        }

        // Straight into the runner's pinned input: one copy per image between decoder and model.
        var inputLength = _runner.InputSizePerItem;
        var input = _runner.InputFor(_batch.Count);
        for (var i = 0; i < _batch.Count; i++)
        {
            _batch[i].Pixels.CopyTo(input.Slice(i * inputLength, inputLength));
            _pool.Return(_batch[i].Pixels);
            _state.LeaveFlight();
            _images.Add(_batch[i].Image);
        }

        vectors = _runner.RunInPlace(_batch.Count);
        return true;
    }

    public override void Dispose()
    {
    }

    // Two batches queued: the model never waits for a batch the decoders could have finished while it ran the last.
    private static int QueueCapacity(int batchSize) => batchSize * 2;

    /// <summary>
    /// Waits for a full batch, or the last images: running whatever happens to be queued would give small batches
    /// whenever decoding is the slower stage (MobileNet), and small batches spend on per-call overhead the cores the
    /// decoders need. Returns false once every image has been taken.
    /// </summary>
    private bool FillBatch(CancellationToken ct)
    {
        _batch.Clear();
        var reader = _queue.Reader;
        while (_batch.Count < _batchSize)
        {
            if (reader.TryRead(out var item))
            {
                _batch.Add(item);
            }
            else if (!reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                break;
            }
        }

        return _batch.Count > 0;
    }
}
