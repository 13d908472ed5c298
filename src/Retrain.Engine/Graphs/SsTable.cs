using System.Buffers.Binary;
using Retrain.Errors;
using Retrain.IO;

namespace Retrain.Graphs;

/// <summary>
/// Reads every key/value pair of a LevelDB-format table (blocks raw or Snappy-compressed), the format TensorFlow writes a tensor bundle's
/// index in (tensorflow/core/lib/io/table.cc). Each block's masked CRC-32C is checked, so a corrupt index fails here
/// with the file's name instead of decoding garbage tensors later.
/// </summary>
internal static class SsTable
{
    private const ulong TableMagic = 0xdb4775248b80fb57UL;
    private const int FooterLength = 48;
    private const int BlockTrailerLength = 5;
    private const byte SnappyCompression = 1;

    public static IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll(string path)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"cannot read the variables index {path}: {e.Message}", e);
        }

        if (file.Length < FooterLength
            || BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(file.Length - 8)) != TableMagic)
        {
            throw Corrupt(path, "it is truncated or not a TensorFlow table (no table magic at its end)");
        }

        var footer = file.AsSpan(file.Length - FooterLength);
        var position = 0;
        ReadHandle(path, footer, ref position); // metaindex: TensorFlow writes it empty
        var index = ReadHandle(path, footer, ref position);
        var result = new List<KeyValuePair<string, byte[]>>();
        foreach (var (_, handleBytes) in ReadBlock(path, file, index))
        {
            var handlePosition = 0;
            var data = ReadHandle(path, handleBytes, ref handlePosition);
            foreach (var (key, value) in ReadBlock(path, file, data))
            {
                result.Add(new KeyValuePair<string, byte[]>(System.Text.Encoding.UTF8.GetString(key), value));
            }
        }

        return result;
    }

    private static List<(byte[] Key, byte[] Value)> ReadBlock(string path, byte[] file, (long Offset, long Size) handle)
    {
        if (handle.Offset < 0 || handle.Size < 4 || handle.Offset + handle.Size + BlockTrailerLength > file.Length)
        {
            throw Corrupt(path, $"a block at offset {handle.Offset} runs past the end of the file");
        }

        ReadOnlySpan<byte> contents = file.AsSpan((int)handle.Offset, (int)handle.Size);
        var compression = file[handle.Offset + handle.Size];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)(handle.Offset + handle.Size + 1)));
        var actual = Crc32C.Mask(Crc32C.Compute(file.AsSpan((int)handle.Offset, (int)handle.Size + 1)));
        if (stored != actual)
        {
            throw Corrupt(path, $"the block at offset {handle.Offset} fails its CRC-32C check");
        }

        if (compression == SnappyCompression)
        {
            contents = Snappy.Decompress(contents)
                ?? throw Corrupt(path, $"the Snappy-compressed block at offset {handle.Offset} does not decompress");
        }
        else if (compression != 0)
        {
            throw Corrupt(path, $"the block at offset {handle.Offset} has unknown compression type {compression}");
        }

        if (contents.Length < 4)
        {
            throw Corrupt(path, $"the block at offset {handle.Offset} is too short");
        }

        var restarts = BinaryPrimitives.ReadUInt32LittleEndian(contents[^4..]);
        var limit = contents.Length - 4 - ((long)restarts * 4);
        if (limit < 0)
        {
            throw Corrupt(path, $"the block at offset {handle.Offset} has a bad restart count");
        }

        var entries = new List<(byte[], byte[])>();
        var key = Array.Empty<byte>();
        var position = 0;
        while (position < limit)
        {
            var shared = ReadVarint(path, contents, ref position);
            var unshared = ReadVarint(path, contents, ref position);
            var valueLength = ReadVarint(path, contents, ref position);
            if (shared > (ulong)key.Length || (ulong)position + unshared + valueLength > (ulong)limit)
            {
                throw Corrupt(path, $"an entry in the block at offset {handle.Offset} runs past the block");
            }

            var next = new byte[(int)shared + (int)unshared];
            key.AsSpan(0, (int)shared).CopyTo(next);
            contents.Slice(position, (int)unshared).CopyTo(next.AsSpan((int)shared));
            position += (int)unshared;
            entries.Add((next, contents.Slice(position, (int)valueLength).ToArray()));
            position += (int)valueLength;
            key = next;
        }

        return entries;
    }

    private static (long Offset, long Size) ReadHandle(string path, ReadOnlySpan<byte> bytes, ref int position) =>
        ((long)ReadVarint(path, bytes, ref position), (long)ReadVarint(path, bytes, ref position));

    private static ulong ReadVarint(string path, ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw Corrupt(path, "a length runs past the end of its block");
            }

            var b = bytes[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Corrupt(path, "a length is longer than 64 bits");
    }

    private static RetrainException Corrupt(string path, string why) =>
        new(ExitCode.BadModel, $"the variables index {path} is corrupt: {why}. Re-export the SavedModel.");
}
