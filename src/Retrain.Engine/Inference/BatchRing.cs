namespace Retrain.Inference;

/// <summary>
/// A few <see cref="BatchBuffer"/>s that a pipeline's decoders and its model pass round: decoders fill one while the
/// model runs another, so decoding batch k+1 overlaps running batch k, and the memory held stays at
/// <see cref="Depth"/> batches however long the pass. The one owner of its buffers: they are made on first need (by
/// the runner, in its execution's memory) and freed when the ring is disposed, which its owner does only once no
/// decoder can still write into them.
/// </summary>
internal sealed class BatchRing : IDisposable
{
    /// <summary>Buffers per ring: one being filled, one being run, and one spare for a decoder that runs late.</summary>
    public const int DefaultDepth = 3;

    private readonly ModelRunner _runner;
    private readonly int _capacity;
    private readonly SemaphoreSlim _available;
    private readonly Stack<BatchBuffer> _free = new();
    private readonly List<BatchBuffer> _all = [];
    private bool _disposed;

    /// <param name="capacity">Images per buffer.</param>
    public BatchRing(ModelRunner runner, int capacity, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _runner = runner;
        _capacity = capacity;
        Depth = depth;
        _available = new SemaphoreSlim(depth, depth);
    }

    public int Depth { get; }

    /// <summary>Buffers made so far (at most <see cref="Depth"/>).</summary>
    public int Created
    {
        get
        {
            lock (_all)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>A buffer no one else holds, waiting while all <see cref="Depth"/> are held. Give it back with <see cref="Release"/>.</summary>
    public async ValueTask<BatchBuffer> AcquireAsync(CancellationToken ct)
    {
        await _available.WaitAsync(ct).ConfigureAwait(false);
        lock (_all)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryPop(out var buffer))
            {
                return buffer;
            }

            try
            {
                buffer = _runner.CreateBatchBuffer(_capacity);
            }
            catch
            {
                _available.Release();
                throw;
            }

            _all.Add(buffer);
            return buffer;
        }
    }

    public void Release(BatchBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_all)
        {
            if (_disposed)
            {
                return;
            }

            _free.Push(buffer);
        }

        _available.Release();
    }

    public void Dispose()
    {
        lock (_all)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _all.ForEach(static b => b.Dispose());
            _all.Clear();
            _free.Clear();
        }

        _available.Dispose();
    }
}
