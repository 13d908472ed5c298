using System.Threading.Channels;
using Retrain.Inference;

namespace Retrain.Bottlenecks;

/// <summary>
/// A device's <see cref="ImageFeed"/>: decoders write each image straight into its slot of a batch buffer in the
/// memory the run reads (the CUDA provider's page-locked memory), from a <see cref="BatchRing"/> of a few, so decoding
/// the next batch overlaps running this one and no image passes through an array of its own. Slots are handed out in
/// order; a buffer whose slots are all taken is run once every one of them is committed or abandoned, in whatever
/// order buffers get there (a slow photo holds up only its own batch). The images an abandoned slot leaves out are
/// closed up before the run, by moving the buffer's last images into the gaps, so a run never reads a slot no image
/// of this batch was written into.
/// </summary>
internal sealed class RingImageFeed : ImageFeed
{
    private readonly BatchRing _ring;
    private readonly int _batchSize;
    private readonly BuildState _state;
    private readonly SemaphoreSlim _reserving = new(1, 1);
    private readonly object _gate = new();
    private readonly Channel<FillingBatch> _ready = Channel.CreateUnbounded<FillingBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<PendingImage> _images;
    private FillingBatch? _filling;
    private FillingBatch? _running;

    public RingImageFeed(ModelRunner runner, int batchSize, BuildState state, int depth = BatchRing.DefaultDepth)
    {
        _ring = new BatchRing(runner, batchSize, depth);
        _batchSize = batchSize;
        _state = state;
        _images = new(batchSize);
    }

    /// <summary>Every slot of every buffer of the ring.</summary>
    public override int MaxImagesInFlight => MaxInFlight(_batchSize, _ring.Depth);

    /// <summary>Called on the model's thread after each run, with the buffer and the images it ran (tests look at both).</summary>
    public Action<BatchBuffer, IReadOnlyList<PendingImage>>? Ran { get; init; }

    /// <summary>Images moved into the slot of one that could not be decoded.</summary>
    public int ImagesMoved { get; private set; }

    public static int MaxInFlight(int batchSize, int depth = BatchRing.DefaultDepth) => batchSize * depth;

    public override async ValueTask<ImageSlot> ReserveAsync(CancellationToken ct)
    {
        await _reserving.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _filling ??= new FillingBatch(await _ring.AcquireAsync(ct).ConfigureAwait(false));
            var batch = _filling;
            int slot;
            lock (_gate)
            {
                slot = batch.Reserved++;
                if (batch.Reserved == batch.Buffer.Capacity)
                {
                    // Full: it runs once its last slot is resolved; the next reservation takes another buffer.
                    batch.Closed = true;
                    _filling = null;
                }
            }

            _state.EnterFlight();
            return new ImageSlot(batch, slot);
        }
        finally
        {
            _reserving.Release();
        }
    }

    public override Span<float> Pixels(ImageSlot slot) => ((FillingBatch)slot.Holder).Buffer.Image(slot.Index);

    public override ValueTask CommitAsync(ImageSlot slot, PendingImage image, CancellationToken ct)
    {
        Resolve(slot, image);
        return ValueTask.CompletedTask;
    }

    public override void Abandon(ImageSlot slot)
    {
        _state.LeaveFlight();
        Resolve(slot, null);
    }

    public override void Complete(Exception? error = null)
    {
        if (error is not null)
        {
            _ready.Writer.TryComplete(error);
            return;
        }

        // Every decoder has finished: the buffer being filled holds the last images, all resolved.
        FillingBatch? last;
        lock (_gate)
        {
            last = _filling;
            _filling = null;
            if (last is not null)
            {
                last.Closed = true;
            }
        }

        if (last is not null)
        {
            _ready.Writer.TryWrite(last);
        }

        _ready.Writer.TryComplete();
    }

    public override bool RunNext(CancellationToken ct, out IReadOnlyList<PendingImage> images, out ReadOnlySpan<float> vectors)
    {
        ReleaseRunning();
        ct.ThrowIfCancellationRequested();
        _images.Clear();
        images = _images;
        vectors = default;
        while (true)
        {
            if (!_ready.Reader.TryRead(out var batch))
            {
                // WaitToReadAsync rethrows the error the decoders completed the channel with.
                if (!_ready.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
                {
                    return false;
                }

                continue;
            }

            _running = batch;
            var count = CloseGaps(batch);
            if (count == 0)
            {
                // Not one image of the batch could be decoded.
                ReleaseRunning();
                continue;
            }

            for (var i = 0; i < count; i++)
            {
                _images.Add(batch.Images[i]!.Value);
            }

            vectors = batch.Buffer.Run(0, count);
            for (var i = 0; i < count; i++)
            {
                _state.LeaveFlight();
            }

            Ran?.Invoke(batch.Buffer, _images);
            return true;
        }
    }

    /// <summary>Frees the buffers; its owner calls it only once no decoder can still be writing into one.</summary>
    public override void Dispose()
    {
        _ring.Dispose();
        _reserving.Dispose();
    }

    private void Resolve(ImageSlot slot, PendingImage? image)
    {
        var batch = (FillingBatch)slot.Holder;
        bool ready;
        lock (_gate)
        {
            batch.Images[slot.Index] = image;
            batch.Resolved++;
            ready = batch.Closed && batch.Resolved == batch.Reserved;
        }

        if (ready)
        {
            _ready.Writer.TryWrite(batch);
        }
    }

    /// <summary>Moves the last committed images into the slots of abandoned ones; returns how many images the batch runs.</summary>
    private int CloseGaps(FillingBatch batch)
    {
        var images = batch.Images;
        var last = batch.Reserved - 1;
        for (var gap = 0; gap <= last; gap++)
        {
            if (images[gap] is not null)
            {
                continue;
            }

            while (last > gap && images[last] is null)
            {
                last--;
            }

            if (last == gap)
            {
                last--;
                break;
            }

            batch.Buffer.Image(last).CopyTo(batch.Buffer.Image(gap));
            images[gap] = images[last];
            images[last] = null;
            ImagesMoved++;
            last--;
        }

        return last + 1;
    }

    private void ReleaseRunning()
    {
        if (_running is not null)
        {
            _ring.Release(_running.Buffer);
            _running = null;
        }
    }

    /// <summary>A buffer of the ring while its slots are handed out, filled and run.</summary>
    private sealed class FillingBatch(BatchBuffer buffer)
    {
        public BatchBuffer Buffer { get; } = buffer;

        public PendingImage?[] Images { get; } = new PendingImage?[buffer.Capacity];

        public int Reserved { get; set; }

        public int Resolved { get; set; }

        public bool Closed { get; set; }
    }
}
