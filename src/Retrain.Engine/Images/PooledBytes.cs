using System.Buffers;

namespace Retrain.Images;

/// <summary>
/// A byte buffer rented from <see cref="ArrayPool{T}.Shared"/>: bottleneck creation decodes thousands of images per
/// minute, and renting keeps the large-object heap (multi-megabyte pixel buffers) from churning.
/// </summary>
internal struct PooledBytes : IDisposable
{
    private byte[]? _array;

    public PooledBytes(int length)
    {
        _array = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
        Length = length;
    }

    public int Length { get; private set; }

    public readonly byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBytes));

    public readonly Span<byte> Span => Array.AsSpan(0, Length);

    /// <summary>Shrinks the visible length (e.g. when a file turned out shorter than its reported size).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    public void Dispose()
    {
        if (_array is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = null;
    }
}
