using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Outputs;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// On-disk cache of bottleneck vectors, replacing retrain.py's `cache_bottlenecks` text files.
/// retrain.py keyed a vector by label and file name only, so a changed photo or another model silently reused a stale
/// vector (and crashed with "Cannot feed value of shape (100, 2048)"). Here vectors live under
/// <c>&lt;dir&gt;/&lt;model key&gt;/</c>, keyed by the SHA-256 of the image's bytes: the model key covers the model file,
/// its node names and the preprocessing, the content hash covers the photo.
/// </summary>
/// <remarks>
/// Each run that computes vectors appends them to a pack file of its own (<see cref="VectorPack"/>) instead of writing
/// one file per vector as retrain.py does: on some filesystems creating a file costs more kernel time than a small
/// backbone spends computing the vector (figures in docs/performance.md). Packs also keep a 100,000-image cache to a few files. Records are checksummed and appended with one write
/// each, so a killed run loses only the vector being written, and a damaged record is recomputed rather than trusted.
/// Concurrent runs sharing the folder each append to their own pack; an image both compute gets two identical
/// records, and the newest pack wins.
/// </remarks>
internal sealed class BottleneckCache : IDisposable
{
    /// <summary>
    /// Packs kept open for reading. Every run that computed something left a pack, so a folder retrained hundreds of
    /// times holds hundreds: beyond this many, a pack is opened for each read instead, so a long-lived cache can never
    /// run the process out of file descriptors.
    /// </summary>
    internal const int DefaultMaxOpenPacks = 64;

    private readonly object _gate = new();
    private readonly List<Pack> _packs = [];
    private readonly int _maxOpenPacks;
    private readonly ILogger? _log;
    private int _openPacks;
    private ConcurrentDictionary<string, Location>? _index;
    private Pack? _own;
    private long _ownLength;
    private bool _disposed;

    /// <param name="log">Where a foreign entry in the cache folder (a pipe or device named like a pack) is warned about.</param>
    public BottleneckCache(string bottleneckDir, string modelKey, int vectorLength, ILogger? log = null)
        : this(bottleneckDir, modelKey, vectorLength, DefaultMaxOpenPacks, log)
    {
    }

    internal BottleneckCache(string bottleneckDir, string modelKey, int vectorLength, int maxOpenPacks, ILogger? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vectorLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOpenPacks);
        this._maxOpenPacks = maxOpenPacks;
        this._log = log;
        Root = Path.Combine(Path.GetFullPath(bottleneckDir), modelKey);
        VectorLength = vectorLength;
        RecordSize = VectorPack.RecordSize(vectorLength);
    }

    /// <summary>The folder that holds this model's vectors.</summary>
    public string Root { get; }

    /// <summary>
    /// Set by <see cref="EnsureWritable"/> when the cache cannot be written but holds this model's vectors: they are
    /// read, and vectors it lacks are computed for the run only.
    /// </summary>
    public bool ReadOnly { get; private set; }

    public int VectorLength { get; }

    private int RecordSize { get; }

    /// <summary>Content key of an image: the hex SHA-256 of its encoded bytes (renames and copies share one vector).</summary>
    public static string ContentKey(ReadOnlySpan<byte> imageBytes) => Convert.ToHexStringLower(SHA256.HashData(imageBytes));

    /// <summary>
    /// Checks, before any vector is computed, that new vectors can be added. A folder that cannot be written is an
    /// I/O error naming <c>--bottleneck_dir</c>, unless <paramref name="allowReadOnly"/> and it already holds vectors
    /// of this model: a team's cache on read-only storage is then used as it is (<see cref="ReadOnly"/>).
    /// </summary>
    public void EnsureWritable(bool allowReadOnly)
    {
        // The model's folder is made only with its first pack, so a run that computes nothing leaves no empty one.
        var exists = Directory.Exists(Root);
        try
        {
            OutputLocations.EnsureWritableFolder(exists ? Root : Path.GetDirectoryName(Root)!, Flags.BottleneckDir);
        }
        catch (RetrainException e) when (allowReadOnly && exists && OutputLocations.DeniesWriting(e.InnerException))
        {
            var held = Index().Count;
            if (held == 0)
            {
                throw;
            }

            ReadOnly = true;
            _log?.Warning(
                "The bottleneck cache {CacheRoot} cannot be written ({Why:l}); it holds {Count} vectors of this model, which are used, and any it lacks are computed for this run only and not kept",
                Root,
                e.InnerException is UnauthorizedAccessException ? "permission denied" : "read-only file system",
                held);
        }
    }

    /// <summary>
    /// Reads a cached vector. Returns false when absent or unusable (unreadable pack, bad checksum, a value that is not
    /// a finite number): the caller
    /// recomputes it, and the new record replaces the damaged one. Safe to call from several threads.
    /// </summary>
    public bool TryRead(string contentKey, Span<float> vector)
    {
        if (vector.Length != VectorLength)
        {
            throw new ArgumentException($"Expected a span of {VectorLength} floats.", nameof(vector));
        }

        if (!Index().TryGetValue(contentKey, out var at))
        {
            return false;
        }

        var record = ArrayPool<byte>.Shared.Rent(RecordSize);
        try
        {
            var span = record.AsSpan(0, RecordSize);
            Span<byte> key = stackalloc byte[VectorPack.KeySize];
            return Convert.FromHexString(contentKey, key, out _, out _) == OperationStatus.Done
                && ReadRecord(at, span) == RecordSize
                && VectorPack.TryReadRecord(span, key, vector);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another user's pack in a shared cache, or one removed since the scan: recompute the vector.
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    /// <summary>
    /// Appends a vector to this cache's own pack (created on the first write). Throws <see cref="RetrainException"/>
    /// with <see cref="ExitCode.IoError"/>, naming the pack, when it cannot be written (disk full, folder not writable).
    /// </summary>
    public void Write(string contentKey, ReadOnlySpan<float> vector)
    {
        if (vector.Length != VectorLength)
        {
            throw new ArgumentException($"Expected {VectorLength} floats.", nameof(vector));
        }

        Span<byte> key = stackalloc byte[VectorPack.KeySize];
        if (Convert.FromHexString(contentKey, key, out _, out var written) != OperationStatus.Done || written != key.Length)
        {
            throw new ArgumentException("A content key is the 64-digit hex SHA-256 that ContentKey returns.", nameof(contentKey));
        }

        if (ReadOnly)
        {
            throw new InvalidOperationException($"The cache at {Root} is read-only: a run that uses it so keeps its vectors in memory.");
        }

        var record = ArrayPool<byte>.Shared.Rent(RecordSize);
        try
        {
            VectorPack.WriteRecord(record.AsSpan(0, RecordSize), key, vector);
            var index = Index();
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var pack = _own ?? CreateOwnPack();
                WriteOrThrow(pack, record.AsSpan(0, RecordSize), _ownLength);
                index[contentKey] = new Location(pack.Number, _ownLength);
                _ownLength += RecordSize;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    /// <summary>
    /// Flushes this cache's pack to disk, once at the end of a bottleneck pass: one fsync per run instead of one per
    /// vector, so a power cut after a finished run loses nothing.
    /// </summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_own?.Handle is { } handle)
            {
                try
                {
                    RandomAccess.FlushToDisk(handle);
                }
                catch (IOException e)
                {
                    throw WriteFailed(_own.Path, e);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var pack in _packs)
            {
                pack.Handle?.Dispose();
                pack.Handle = null;
            }
        }
    }

    /// <summary>What the packs hold, read afresh from disk; for tests and diagnostics.</summary>
    internal CacheContents Inspect()
    {
        var contents = new CacheContents();
        if (!Directory.Exists(Root))
        {
            return contents;
        }

        var record = new byte[RecordSize];
        foreach (var path in PackPaths())
        {
            using var handle = OpenForReading(path);
            if (handle is null)
            {
                continue;
            }

            var offsets = new List<(string Key, long Offset)>();
            var unread = VectorPack.Scan(handle, VectorLength, (key, offset) => offsets.Add((Convert.ToHexStringLower(key), offset)));
            contents.Packs.Add(path);
            contents.UnreadBytes += unread;
            foreach (var (key, offset) in offsets)
            {
                RandomAccess.Read(handle, record, offset);
                var intact = VectorPack.TryReadRecord(record, Convert.FromHexString(key), new float[VectorLength]);
                (intact ? contents.IntactKeys : contents.DamagedKeys).Add(key);
            }
        }

        return contents;
    }

    /// <summary>
    /// The packs in <see cref="Root"/>, oldest first. A folder this user cannot list (another user's in a shared
    /// --bottleneck_dir, or mode 000) stops the run: its packs could neither be read nor added to.
    /// </summary>
    private List<string> PackPaths()
    {
        try
        {
            return Directory.EnumerateFiles(Root, VectorPack.SearchPattern, SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is UnauthorizedAccessException ? "permission denied" : IoErrorMessage.WithoutPath(e, Root).TrimEnd('.');
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot read the bottleneck cache folder '{Root}': {why}. It holds this model's cached vectors under {Flags.BottleneckDir}; " +
                "another user may own it, or its permissions may deny this user. Make it readable and writable by this user " +
                $"(chown or chmod u+rwx), delete it to recompute the vectors, or pass another {Flags.BottleneckDir}.",
                e);
        }
    }

    /// <summary>
    /// The key -> record index of every pack already in the folder, built on first use: one small read per record
    /// (the header), newest pack last so its records win. A pack that cannot be read is left out: its vectors are
    /// recomputed.
    /// </summary>
    private ConcurrentDictionary<string, Location> Index()
    {
        if (Volatile.Read(ref _index) is { } built)
        {
            return built;
        }

        lock (_gate)
        {
            if (_index is not null)
            {
                return _index;
            }

            var found = new ConcurrentDictionary<string, Location>(StringComparer.Ordinal);
            if (Directory.Exists(Root))
            {
                foreach (var path in PackPaths())
                {
                    try
                    {
                        using var handle = OpenForReading(path);
                        if (handle is null)
                        {
                            continue;
                        }

                        var number = _packs.Count;
                        VectorPack.Scan(handle, VectorLength, (key, offset) => found[Convert.ToHexStringLower(key)] = new Location(number, offset));
                        _packs.Add(new Pack(path, number));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Unreadable (another user's pack in a shared cache): its vectors are recomputed.
                    }
                }
            }

            Volatile.Write(ref _index, found);
            return found;
        }
    }

    /// <summary>
    /// Reads one record through the pack's kept handle, opening and keeping it on first use while fewer than
    /// <see cref="_maxOpenPacks"/> are open, and through a handle of its own otherwise.
    /// </summary>
    private int ReadRecord(Location at, Span<byte> record)
    {
        Pack pack;
        SafeFileHandle? kept;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            pack = _packs[at.Pack];
            if (pack.Handle is null && _openPacks < _maxOpenPacks && OpenForReading(pack.Path) is { } opened)
            {
                pack.Handle = opened;
                _openPacks++;
            }

            kept = pack.Handle;
        }

        if (kept is not null)
        {
            return RandomAccess.Read(kept, record, at.Offset);
        }

        using var once = OpenForReading(pack.Path);
        return once is null ? 0 : RandomAccess.Read(once, record, at.Offset);
    }

    /// <summary>
    /// A pack opened for reading, or null when it cannot be (its vectors are then recomputed). One that is not a
    /// regular file is warned about: a FIFO named like a pack would otherwise block every run for ever, and as the
    /// cache is retrain's own, a foreign entry is skipped rather than allowed to stop the run.
    /// </summary>
    private SafeFileHandle? OpenForReading(string path)
    {
        var handle = InputFile.TryOpen(path, out var refusal);
        if (refusal.Kind == InputRefusalKind.NotRegular)
        {
            _log?.Warning("Skipping {Path} in the bottleneck cache: {Reason}, and retrain's packs are regular files. Delete it", path, refusal.Reason);
        }

        return handle;
    }

    private Pack CreateOwnPack()
    {
        var path = Path.Combine(Root, VectorPack.NewFileName());
        try
        {
            Directory.CreateDirectory(Root);
            var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            var pack = new Pack(path, _packs.Count) { Handle = handle };
            _packs.Add(pack);
            Span<byte> header = stackalloc byte[VectorPack.FileHeaderSize];
            VectorPack.WriteFileHeader(header, VectorLength);
            WriteOrThrow(pack, header, 0);
            _own = pack;
            _ownLength = VectorPack.FileHeaderSize;
            return pack;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailed(path, e);
        }
    }

    private static void WriteOrThrow(Pack pack, ReadOnlySpan<byte> bytes, long offset)
    {
        try
        {
            RandomAccess.Write(pack.Handle!, bytes, offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailed(pack.Path, e);
        }
    }

    private static RetrainException WriteFailed(string path, Exception e) =>
        new(
            ExitCode.IoError,
            $"Cannot write '{path}': {IoErrorMessage.WithoutPath(e, path)} Check that the folder exists, is writable and the disk is not full.",
            e);

    private readonly record struct Location(int Pack, long Offset);

    private sealed class Pack(string path, int number)
    {
        public string Path { get; } = path;

        /// <summary>Its position in <see cref="_packs"/>, which only ever grows.</summary>
        public int Number { get; } = number;

        public SafeFileHandle? Handle { get; set; }
    }
}
