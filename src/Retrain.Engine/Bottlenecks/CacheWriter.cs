using System.Threading.Channels;

namespace Retrain.Bottlenecks;

/// <summary>
/// Writes computed vectors to the <see cref="BottleneckCache"/> on a task of its own, so the inference thread never
/// waits on the file system. The queue holds only (image index, content key) pairs; the vectors themselves are read
/// from the build's result array, which already holds them. The queue is unbounded because its entries are tiny and
/// blocking the inference thread on a slow disk would stall the whole pipeline; a write failure (disk full) cancels
/// the build through <c>onFailure</c> and is rethrown by <see cref="Finish"/>. The model's thread queues computed vectors
/// and the decoders queue vectors taken from retrain.py's files, so the queue has several writers.
/// </summary>
internal sealed class CacheWriter
{
    private readonly Channel<(int Index, string Key)> _queue =
        Channel.CreateUnbounded<(int Index, string Key)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly BottleneckCache _cache;
    private readonly Task _writing;

    public CacheWriter(BottleneckCache cache, float[] vectors, int vectorLength, CancellationTokenSource onFailure)
    {
        this._cache = cache;
        _writing = Task.Run(async () =>
        {
            try
            {
                // No cancellation token: on Ctrl+C, vectors already computed are still written, so they are not lost.
                await foreach (var (index, key) in _queue.Reader.ReadAllAsync())
                {
                    cache.Write(key, vectors.AsSpan(index * vectorLength, vectorLength));
                }
            }
            catch
            {
                await onFailure.CancelAsync();
                throw;
            }
        });
    }

    /// <summary>Queues the vector already stored at <paramref name="index"/> of the result array.</summary>
    public void Enqueue(int index, string key) => _queue.Writer.TryWrite((index, key));

    /// <summary>Writes what is queued and flushes it to disk, then returns; rethrows the write failure if there was one.</summary>
    public void Finish()
    {
        _queue.Writer.TryComplete();
        _writing.GetAwaiter().GetResult();
        _cache.Flush();
    }

    /// <summary>Like <see cref="Finish"/> on an error path: returns the write failure instead of throwing it.</summary>
    public Exception? FinishAfterError()
    {
        try
        {
            Finish();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
