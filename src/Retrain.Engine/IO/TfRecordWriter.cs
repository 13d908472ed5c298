using System.Buffers.Binary;

namespace Retrain.IO;

/// <summary>
/// Appends records in TensorFlow's TFRecord framing (tensorflow/core/lib/io/record_writer): a little-endian uint64
/// length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data. Readers check both
/// CRCs, so a record cut short by a killed process is detected and dropped rather than misread.
/// </summary>
internal sealed class TfRecordWriter : IDisposable
{
    private readonly Stream _stream;

    public TfRecordWriter(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Mask(Crc32C.Compute(header[..8])));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Mask(Crc32C.Compute(data)));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
    }

    /// <summary>Hands buffered records to the operating system, so they survive the process being killed.</summary>
    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();
}
