using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Retrain.IO;

namespace Retrain.Bottlenecks;

/// <summary>
/// On-disk cache of bottleneck vectors, replacing retrain.py's `cache_bottlenecks` text files.
/// retrain.py keyed a vector by label and file name only, so a changed photo or another model silently reused a stale
/// vector (and crashed with "Cannot feed value of shape (100, 2048)"). Here a vector lives at
/// <c>&lt;dir&gt;/&lt;model key&gt;/&lt;2 hex&gt;/&lt;SHA-256 of the image bytes&gt;.bnk</c>: the model key covers the model file,
/// its node names and the preprocessing, the content hash covers the photo, and the two-level fan-out keeps folders
/// small for 100k-image datasets. Each file carries a header and CRC-32C and is written atomically, so a killed run
/// never leaves a torn vector and a damaged one is recomputed rather than trusted.
/// </summary>
public sealed class BottleneckCache
{
    private const uint Magic = 0x4E425452; // "RTBN" little-endian
    private const int Version = 1;
    private const int HeaderSize = 16;

    public BottleneckCache(string bottleneckDir, string modelKey, int vectorLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vectorLength);
        Root = Path.Combine(Path.GetFullPath(bottleneckDir), modelKey);
        VectorLength = vectorLength;
    }

    /// <summary>The folder that holds this model's vectors.</summary>
    public string Root { get; }

    public int VectorLength { get; }

    /// <summary>Content key of an image: the hex SHA-256 of its encoded bytes (renames and copies share one vector).</summary>
    public static string ContentKey(ReadOnlySpan<byte> imageBytes) => Convert.ToHexStringLower(SHA256.HashData(imageBytes));

    public string PathFor(string contentKey) => Path.Combine(Root, contentKey[..2], contentKey + ".bnk");

    /// <summary>
    /// Reads a cached vector. Returns false when absent or unusable (unreadable, wrong length, bad checksum): the
    /// caller recomputes it, and the rewrite replaces the damaged file.
    /// </summary>
    public bool TryRead(string contentKey, Span<float> vector)
    {
        if (vector.Length != VectorLength)
        {
            throw new ArgumentException($"Expected a span of {VectorLength} floats.", nameof(vector));
        }

        var path = PathFor(contentKey);
        if (!File.Exists(path))
        {
            // The usual case on a first run: a stat is far cheaper than the FileNotFoundException below.
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Absent, or unreadable (another user's file in a shared cache, a folder in its place): recompute it; if
            // the rewrite fails too, that failure is reported with the path.
            return false;
        }

        var payload = bytes.AsSpan(Math.Min(HeaderSize, bytes.Length));
        if (bytes.Length != HeaderSize + (VectorLength * sizeof(float))
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) != Version
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)) != VectorLength
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)) != Crc32C.Compute(payload))
        {
            return false;
        }

        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(payload).CopyTo(vector);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(payload[(i * 4)..]);
            }
        }

        return true;
    }

    public void Write(string contentKey, ReadOnlySpan<float> vector)
    {
        if (vector.Length != VectorLength)
        {
            throw new ArgumentException($"Expected {VectorLength} floats.", nameof(vector));
        }

        var bytes = new byte[HeaderSize + (VectorLength * sizeof(float))];
        var payload = bytes.AsSpan(HeaderSize);
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(payload[(i * 4)..], vector[i]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), VectorLength);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), Crc32C.Compute(payload));
        // Atomic (a killed process leaves the old file or the new one) but not fsynced: after a power cut a file may
        // come back torn, which the header and CRC check turn into a recompute. The fsync cost ~4 ms per vector,
        // more than MobileNet spends computing it.
        AtomicFile.Write(PathFor(contentKey), bytes, flushToDisk: false);
    }
}
