using System.Buffers.Binary;
using System.Collections.Concurrent;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// One <see cref="BottleneckBuilder.Build"/> pass so far, shared by the decoders and the model's thread: every image's
/// vector slot, where it came from, the images skipped, and the photos whose content another image of the pass has.
/// </summary>
internal sealed class BuildState(int count, int vectorLength)
{
    // Keyed by the hash's bytes, not its 64-character hex: a 100,000-image pass keeps one entry per image.
    private readonly ConcurrentDictionary<(UInt128, UInt128), int> _firstWithContent = new();
    private readonly ConcurrentQueue<(int Copy, int Original)> _copies = new();
    private readonly VectorSource[] _sources = new VectorSource[count];
    private readonly int[] _counts = new int[4];
    private int _pendingCopies;
    private int _inFlight;
    private int _peakInFlight;

    public int VectorLength { get; } = vectorLength;

    public float[] Vectors { get; } = new float[(long)count * vectorLength];

    public bool[] Available { get; } = new bool[count];

    public ConcurrentBag<ImageFailure> Failures { get; } = [];

    public int Computed => Volatile.Read(ref _counts[(int)VectorSource.Computed]);

    public int Reused => Volatile.Read(ref _counts[(int)VectorSource.Reused]);

    public int Imported => Volatile.Read(ref _counts[(int)VectorSource.Imported]);

    public int Done => Computed + Reused + Imported + Failures.Count + Volatile.Read(ref _pendingCopies);

    public Span<float> Slot(int index) => Vectors.AsSpan(index * VectorLength, VectorLength);

    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    public void EnterFlight()
    {
        var now = Interlocked.Increment(ref _inFlight);
        var peak = Volatile.Read(ref _peakInFlight);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakInFlight, now, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }
    }

    public void LeaveFlight() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// True when <paramref name="index"/> is the first image of this pass with this content; otherwise it is
    /// recorded as a copy of that image, to be filled in by <see cref="ResolveCopies"/>.
    /// </summary>
    public bool Claim(string contentKey, int index)
    {
        Span<byte> hash = stackalloc byte[32];
        Convert.FromHexString(contentKey, hash, out _, out _);
        var key = (BinaryPrimitives.ReadUInt128LittleEndian(hash), BinaryPrimitives.ReadUInt128LittleEndian(hash[16..]));
        var first = _firstWithContent.GetOrAdd(key, index);
        if (first == index)
        {
            return true;
        }

        _copies.Enqueue((index, first));
        Interlocked.Increment(ref _pendingCopies);
        return false;
    }

    /// <summary>Once every original is done: a copy takes its original's vector, or is skipped with it.</summary>
    public void ResolveCopies(IReadOnlyList<string> paths, ILogger log)
    {
        foreach (var (copy, original) in _copies.OrderBy(c => c.Copy))
        {
            Interlocked.Decrement(ref _pendingCopies);
            if (!Available[original])
            {
                Fail(paths[copy], $"it is byte for byte the same file as {paths[original]}, which was skipped", log);
                continue;
            }

            Slot(original).CopyTo(Slot(copy));
            Mark(copy, _sources[original]);
        }
    }

    public void MarkReused(int index) => Mark(index, VectorSource.Reused);

    public void MarkImported(int index) => Mark(index, VectorSource.Imported);

    public void MarkComputed(int index) => Mark(index, VectorSource.Computed);

    public void Fail(string path, string reason, ILogger log)
    {
        Failures.Add(new ImageFailure(path, reason));
        log.Warning("Skipping {Path}: {Reason}", path, reason);
    }

    private void Mark(int index, VectorSource source)
    {
        _sources[index] = source;
        Available[index] = true;
        Interlocked.Increment(ref _counts[(int)source]);
    }
}
