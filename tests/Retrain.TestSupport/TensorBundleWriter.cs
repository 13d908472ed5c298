using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// Writes a TensorFlow tensor bundle (prefix.index + prefix.data-00000-of-00001) as tf.train.Saver does, for tests that
/// make SavedModels with variables: the index is a LevelDB-format table (uncompressed blocks with masked CRC-32C
/// trailers, an index block, an empty metaindex block and the 48-byte footer ending in the table magic), keyed by
/// name, the empty key holding the BundleHeaderProto.
/// </summary>
public static class TensorBundleWriter
{
    private const ulong TableMagic = 0xdb4775248b80fb57UL;
    private const int BlockSize = 4096;
    private const int RestartInterval = 16;

    /// <summary>A tensor's raw little-endian bytes; for DT_STRING (scalars only), the string's bytes.</summary>
    public sealed record Tensor(DataType Type, long[] Shape, byte[] Bytes);

    /// <summary>Writes <paramref name="tensors"/> (raw little-endian bytes) under <paramref name="prefix"/>.</summary>
    public static void Write(string prefix, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var data = new MemoryStream();
        var entries = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [string.Empty] = new BundleHeaderProto
            {
                NumShards = 1,
                Endianness = BundleHeaderProto.Types.Endianness.Little,
                Version = new VersionDef { Producer = 1 },
            }.ToByteArray(),
        };
        foreach (var (name, tensor) in tensors.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            var (stored, crc) = tensor.Type == DataType.DtString ? ScalarString(tensor.Bytes) : (tensor.Bytes, Crc32C.Compute(tensor.Bytes));
            var entry = new BundleEntryProto
            {
                Dtype = tensor.Type,
                Shape = new TensorShapeProto { Dim = { tensor.Shape.Select(static d => new TensorShapeProto.Types.Dim { Size = d }) } },
                ShardId = 0,
                Offset = data.Position,
                Size = stored.Length,
                Crc32C = Crc32C.Mask(crc),
            };
            data.Write(stored);
            entries[name] = entry.ToByteArray();
        }

        File.WriteAllBytes(prefix + ".data-00000-of-00001", data.ToArray());
        File.WriteAllBytes(prefix + ".index", Table(entries));
    }

    /// <summary>
    /// One string (a DT_STRING scalar, such as the TF2 object graph) as TensorFlow stores it: its varint64 length, the
    /// masked CRC-32C of the length as a uint32, the bytes; the entry's CRC-32C covers the uint32 length, that
    /// checksum and the bytes.
    /// </summary>
    private static (byte[] Stored, uint Crc) ScalarString(byte[] value)
    {
        using var stored = new MemoryStream();
        Varint(stored, (ulong)value.Length);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)value.Length);
        var lengthCrc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(lengthCrc, Crc32C.Mask(Crc32C.Compute(length)));
        stored.Write(lengthCrc);
        stored.Write(value);
        return (stored.ToArray(), Crc32C.Compute([.. length, .. lengthCrc, .. value]));
    }

    /// <summary>A LevelDB table holding <paramref name="entries"/> (sorted by key).</summary>
    public static byte[] Table(IEnumerable<KeyValuePair<string, byte[]>> entries)
    {
        using var file = new MemoryStream();
        var index = new List<KeyValuePair<byte[], byte[]>>();
        var block = new List<KeyValuePair<byte[], byte[]>>();
        var blockBytes = 0;
        void Flush()
        {
            if (block.Count == 0)
            {
                return;
            }

            var handle = WriteBlock(file, block);
            index.Add(new(block[^1].Key, handle));
            block.Clear();
            blockBytes = 0;
        }

        foreach (var (key, value) in entries)
        {
            var keyBytes = Encoding.UTF8.GetBytes(key);
            block.Add(new(keyBytes, value));
            blockBytes += keyBytes.Length + value.Length;
            if (blockBytes >= BlockSize)
            {
                Flush();
            }
        }

        Flush();
        var metaindex = WriteBlock(file, []);
        var indexHandle = WriteBlock(file, index);
        var footer = new byte[48];
        var handles = metaindex.Concat(indexHandle).ToArray();
        handles.CopyTo(footer, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer.AsSpan(40), TableMagic);
        file.Write(footer);
        return file.ToArray();
    }

    /// <summary>Writes one uncompressed block and its trailer; returns its handle (offset, size) as varints.</summary>
    private static byte[] WriteBlock(MemoryStream file, List<KeyValuePair<byte[], byte[]>> entries)
    {
        using var block = new MemoryStream();
        var restarts = new List<uint>();
        var previous = Array.Empty<byte>();
        for (var i = 0; i < entries.Count; i++)
        {
            var (key, value) = entries[i];
            var shared = 0;
            if (i % RestartInterval == 0)
            {
                restarts.Add((uint)block.Position);
            }
            else
            {
                while (shared < previous.Length && shared < key.Length && previous[shared] == key[shared])
                {
                    shared++;
                }
            }

            Varint(block, (ulong)shared);
            Varint(block, (ulong)(key.Length - shared));
            Varint(block, (ulong)value.Length);
            block.Write(key, shared, key.Length - shared);
            block.Write(value);
            previous = key;
        }

        if (restarts.Count == 0)
        {
            restarts.Add(0);
        }

        Span<byte> word = stackalloc byte[4];
        foreach (var restart in restarts)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, restart);
            block.Write(word);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)restarts.Count);
        block.Write(word);

        var contents = block.ToArray();
        var offset = file.Position;
        file.Write(contents);
        var typed = new byte[contents.Length + 1];
        contents.CopyTo(typed, 0);
        file.WriteByte(0);
        BinaryPrimitives.WriteUInt32LittleEndian(word, Crc32C.Mask(Crc32C.Compute(typed)));
        file.Write(word);

        using var handle = new MemoryStream();
        Varint(handle, (ulong)offset);
        Varint(handle, (ulong)contents.Length);
        return handle.ToArray();
    }

    private static void Varint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}
