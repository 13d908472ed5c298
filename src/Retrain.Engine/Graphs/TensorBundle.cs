using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>
/// A SavedModel's variables: variables/variables.index (a table of BundleEntryProto keyed by variable name) and the
/// variables.data-NNNNN-of-MMMMM shards holding the raw little-endian bytes (tensorflow/core/util/tensor_bundle).
/// Each tensor's CRC-32C is checked when it is read.
/// </summary>
internal sealed class TensorBundle
{
    private readonly string _prefix;
    private readonly Dictionary<string, BundleEntryProto> _entries;
    private readonly int _shardCount;

    private TensorBundle(string prefix, Dictionary<string, BundleEntryProto> entries, int shardCount)
    {
        _prefix = prefix;
        _entries = entries;
        _shardCount = shardCount;
    }

    public IReadOnlyCollection<string> Names => _entries.Keys;

    /// <summary>The index file, for messages.</summary>
    public string IndexPath => _prefix + ".index";

    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The stored shape of a variable (null when it is not in the bundle), without reading its bytes.</summary>
    public long[]? ShapeOf(string name) =>
        _entries.TryGetValue(name, out var entry) ? entry.Shape?.Dim.Select(static d => d.Size).ToArray() ?? [] : null;

    /// <summary>The stored type of a variable, without reading its bytes.</summary>
    public DataType DataTypeOf(string name) =>
        _entries.TryGetValue(name, out var entry) ? entry.Dtype : DataType.DtInvalid;

    /// <summary>Opens the bundle whose files start with <paramref name="prefix"/> (e.g. dir/variables/variables).</summary>
    public static TensorBundle Open(string prefix)
    {
        var indexPath = prefix + ".index";
        var entries = new Dictionary<string, BundleEntryProto>(StringComparer.Ordinal);
        BundleHeaderProto? header = null;
        foreach (var (key, value) in SsTable.ReadAll(indexPath))
        {
            try
            {
                if (key.Length == 0)
                {
                    header = BundleHeaderProto.Parser.ParseFrom(value);
                }
                else
                {
                    entries[key] = BundleEntryProto.Parser.ParseFrom(value);
                }
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RetrainException(ExitCode.BadModel,
                    $"the variables index {indexPath} is corrupt: the entry '{key}' does not parse. Re-export the " +
                    "SavedModel.", e);
            }
        }

        if (header is null)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the variables index {indexPath} has no bundle header. Re-export the SavedModel.");
        }

        if (header.Endianness != BundleHeaderProto.Types.Endianness.Little)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the variables index {indexPath} is big-endian; re-export the SavedModel on a little-endian machine.");
        }

        return new TensorBundle(prefix, entries, Math.Max(1, header.NumShards));
    }

    /// <summary>The variable as a TensorProto with its bytes in tensor_content, ready to become a Const.</summary>
    public TensorProto Read(string name)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the variable '{name}' is not in {_prefix}.index; the SavedModel's graph and variables do not match.");
        }

        if (entry.Slices.Count > 0)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the variable '{name}' in {_prefix}.index is partitioned into slices, which is not supported.");
        }

        // TensorFlow's CRC of a string tensor also covers its length table; such entries (the TF2 object graph)
        // are metadata, never weights.
        if (entry.Dtype == DataType.DtString)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the variable '{name}' in {_prefix}.index holds strings, which cannot become a graph constant.");
        }

        var (bytes, shard) = ReadBytes(name, entry);
        if (Crc32C.Mask(Crc32C.Compute(bytes)) != entry.Crc32C)
        {
            throw Corrupt(name, shard);
        }

        return new TensorProto
        {
            Dtype = entry.Dtype,
            TensorShape = entry.Shape?.Clone() ?? new TensorShapeProto(),
            TensorContent = ByteString.CopyFrom(bytes),
        };
    }

    /// <summary>
    /// A scalar string entry, such as the TF2 object graph under <c>_CHECKPOINTABLE_OBJECT_GRAPH</c>. TensorFlow
    /// stores a string tensor as varint64 lengths, a masked CRC-32C of the lengths (as fixed-width integers), then the
    /// bytes; the entry's CRC-32C covers the lengths as fixed-width integers, that checksum and the bytes.
    /// </summary>
    public byte[] ReadScalarString(string name)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the entry '{name}' is not in {_prefix}.index; the SavedModel's graph and variables do not match.");
        }

        if (entry.Dtype != DataType.DtString || entry.Shape is null || entry.Shape.Dim.Count != 0)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the entry '{name}' in {_prefix}.index is a {entry.Dtype} of shape [{string.Join(",", entry.Shape?.Dim.Select(d => d.Size) ?? [])}], not one string.");
        }

        var (bytes, shard) = ReadBytes(name, entry);
        var position = 0;
        ulong length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (position >= bytes.Length || shift > 63)
            {
                throw Corrupt(name, shard);
            }

            var b = bytes[position++];
            length |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        if ((ulong)bytes.Length - (ulong)position < 4 || (ulong)bytes.Length - (ulong)position - 4 != length)
        {
            throw Corrupt(name, shard);
        }

        // Lengths that fit are checksummed as uint32 (what older checkpoints wrote), larger ones as uint64.
        var width = length <= uint.MaxValue ? 4 : 8;
        var covered = new byte[width + bytes.Length - position];
        if (width == 4)
        {
            BitConverter.TryWriteBytes(covered.AsSpan(0, 4), (uint)length);
        }
        else
        {
            BitConverter.TryWriteBytes(covered.AsSpan(0, 8), length);
        }

        bytes.AsSpan(position).CopyTo(covered.AsSpan(width));
        var lengthCrc = BitConverter.ToUInt32(bytes, position);
        if (Crc32C.Mask(Crc32C.Compute(covered.AsSpan(0, width))) != lengthCrc || Crc32C.Mask(Crc32C.Compute(covered)) != entry.Crc32C)
        {
            throw Corrupt(name, shard);
        }

        return bytes[(position + 4)..];
    }

    private (byte[] Bytes, string Shard) ReadBytes(string name, BundleEntryProto entry)
    {
        var shard = $"{_prefix}.data-{entry.ShardId:D5}-of-{_shardCount:D5}";
        if (!File.Exists(shard))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the variables shard {shard} is missing: {_prefix}.index stores '{name}' in it ({_shardCount} shard(s) in all). " +
                "Copy the SavedModel's whole variables/ folder, or re-export the SavedModel.");
        }

        var bytes = new byte[entry.Size];
        try
        {
            using var stream = File.OpenRead(shard);
            if (entry.Offset < 0 || entry.Offset + entry.Size > stream.Length)
            {
                throw new RetrainException(ExitCode.BadModel,
                    $"the variables shard {shard} is truncated: '{name}' needs bytes {entry.Offset}..{entry.Offset + entry.Size} " +
                    $"but the file has {stream.Length}. Re-export the SavedModel.");
            }

            stream.Position = entry.Offset;
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"cannot read the variables shard {shard}: {e.Message}", e);
        }

        return (bytes, shard);
    }

    private static RetrainException Corrupt(string name, string shard) =>
        new(ExitCode.BadModel, $"the variable '{name}' in {shard} fails its CRC-32C check: the shard is corrupt. Re-export the SavedModel.");
}
