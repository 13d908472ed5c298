using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Retrain.IO;

namespace Retrain.Bottlenecks;

/// <summary>
/// The file format of the <see cref="BottleneckCache"/>: one append-only pack per run that computed vectors, a 16-byte
/// file header, then fixed-size records (content key, checksums, vector). A record is written with one positional
/// write, so a killed process leaves complete records plus at most one torn record at the end, which the fixed record
/// size makes easy to tell apart. Every record sits at a fixed offset, so a record whose header checksum fails (a flipped
/// bit, or zeros a power cut left) costs only that record: the scan steps over it. The payload checksum catches a
/// damaged vector when it is read.
/// </summary>
internal static class VectorPack
{
    public const string Extension = ".bnp";
    public const int FileHeaderSize = 16;
    public const int KeySize = 32;
    public const int RecordHeaderSize = KeySize + 8;

    private const uint FileMagic = 0x50425452; // "RTBP" little-endian
    private const int FormatVersion = 1;

    public static string SearchPattern => "*" + Extension;

    public static int RecordSize(int vectorLength) => RecordHeaderSize + (vectorLength * sizeof(float));

    /// <summary>
    /// A new pack's file name: a UTC timestamp first, so packs sort oldest to newest and a newer vector for the same
    /// image wins; then the process and a random part, so concurrent runs sharing the folder never share a file.
    /// </summary>
    public static string NewFileName() =>
        $"vectors-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfffffff}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}{Extension}";

    public static void WriteFileHeader(Span<byte> header, int vectorLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, FileMagic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], vectorLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Crc32C.Compute(header[..12]));
    }

    public static bool IsFileHeader(ReadOnlySpan<byte> header, int vectorLength) =>
        header.Length >= FileHeaderSize
        && BinaryPrimitives.ReadUInt32LittleEndian(header) == FileMagic
        && BinaryPrimitives.ReadInt32LittleEndian(header[4..]) == FormatVersion
        && BinaryPrimitives.ReadInt32LittleEndian(header[8..]) == vectorLength
        && BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) == Crc32C.Compute(header[..12]);

    /// <summary>Encodes one record: key, payload CRC-32C, header CRC-32C (over key and payload CRC), then the floats.</summary>
    public static void WriteRecord(Span<byte> record, ReadOnlySpan<byte> key, ReadOnlySpan<float> vector)
    {
        var payload = record[RecordHeaderSize..];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(payload);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(payload[(i * 4)..], vector[i]);
            }
        }

        key.CopyTo(record);
        BinaryPrimitives.WriteUInt32LittleEndian(record[KeySize..], Crc32C.Compute(payload));
        BinaryPrimitives.WriteUInt32LittleEndian(record[(KeySize + 4)..], Crc32C.Compute(record[..(KeySize + 4)]));
    }

    /// <summary>Whether a record's header is intact (not garbage or zeros), giving its key.</summary>
    public static bool TryReadRecordHeader(ReadOnlySpan<byte> header, out ReadOnlySpan<byte> key)
    {
        key = header[..KeySize];
        return BinaryPrimitives.ReadUInt32LittleEndian(header[(KeySize + 4)..]) == Crc32C.Compute(header[..(KeySize + 4)]);
    }

    /// <summary>
    /// Decodes a whole record into <paramref name="vector"/> if its header, key and payload checksum all hold and every
    /// value is a finite number. A record of NaNs with valid checksums was written by a version that cached what a
    /// broken model computed, or by hand: it is as unusable as a damaged one, so it is recomputed the same way.
    /// </summary>
    public static bool TryReadRecord(ReadOnlySpan<byte> record, ReadOnlySpan<byte> expectedKey, Span<float> vector)
    {
        if (record.Length != RecordSize(vector.Length)
            || !TryReadRecordHeader(record, out var key)
            || !key.SequenceEqual(expectedKey))
        {
            return false;
        }

        var payload = record[RecordHeaderSize..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(record[KeySize..]) != Crc32C.Compute(payload))
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

        if (!BottleneckValues.AreFinite(vector))
        {
            vector.Clear();
            return false;
        }

        return true;
    }

    /// <summary>
    /// Calls <paramref name="onRecord"/> with the key and offset of every record whose header is intact, in file
    /// order, stepping over damaged ones: one process appends a pack's records one positional write each, at offsets
    /// fixed by the record size, so garbage in one slot leaves the others aligned. Returns the bytes in no reported
    /// record: damaged records plus a torn final record of a killed run (the whole file when its header is not a pack's).
    /// </summary>
    public static long Scan(SafeFileHandle pack, int vectorLength, Action<ReadOnlySpan<byte>, long> onRecord)
    {
        Span<byte> header = stackalloc byte[Math.Max(FileHeaderSize, RecordHeaderSize)];
        var length = RandomAccess.GetLength(pack);
        if (RandomAccess.Read(pack, header[..FileHeaderSize], 0) < FileHeaderSize || !IsFileHeader(header, vectorLength))
        {
            return length;
        }

        var size = RecordSize(vectorLength);
        var unread = length - FileHeaderSize;
        for (var offset = (long)FileHeaderSize; offset + size <= length; offset += size)
        {
            var record = header[..RecordHeaderSize];
            if (RandomAccess.Read(pack, record, offset) < RecordHeaderSize || !TryReadRecordHeader(record, out var key))
            {
                continue;
            }

            onRecord(key, offset);
            unread -= size;
        }

        return unread;
    }
}
