using System.Buffers.Binary;
using Google.Protobuf;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// Reads TensorBoard events files independently of the product: its own TFRecord framing check with a bit-by-bit
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the TFRecord mask, and its own decoding of the Event,
/// Summary and HistogramProto fields by TensorFlow's field numbers (event.proto, summary.proto), straight from the
/// protobuf wire format. Any bad CRC fails the read.
/// </summary>
public static class TfEventsReader
{
    public sealed record Histogram(double Min, double Max, double Num, double Sum, double SumSquares, double[] BucketLimits, double[] Buckets);

    public sealed record Value(string Tag, float? Simple, Histogram? Histo);

    public sealed record Event(double WallTime, long Step, string? FileVersion, int? SessionLogStatus, IReadOnlyList<Value> Values);

    /// <summary>The records of a TFRecord file; every length and data CRC is checked. A cut-short last record is an error.</summary>
    public static List<byte[]> ReadRecords(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 12)
            {
                throw new InvalidDataException($"{path}: truncated record header at offset {offset}");
            }

            var header = bytes.AsSpan(offset, 8);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            var lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8, 4));
            if (lengthCrc != Mask(Crc32CBitwise(header)))
            {
                throw new InvalidDataException($"{path}: bad length CRC at offset {offset}");
            }

            var remaining = (long)bytes.Length - offset - 16;
            if (remaining < 0 || (ulong)remaining < length)
            {
                throw new InvalidDataException($"{path}: truncated record data at offset {offset}");
            }

            var data = bytes.AsSpan(offset + 12, (int)length);
            var dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + (int)length, 4));
            if (dataCrc != Mask(Crc32CBitwise(data)))
            {
                throw new InvalidDataException($"{path}: bad data CRC at offset {offset}");
            }

            records.Add(data.ToArray());
            offset += 16 + (int)length;
        }

        return records;
    }

    public static List<Event> ReadEvents(string path) => ReadRecords(path).Select(ParseEvent).ToList();

    public static uint Crc32CBitwise(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);

    // Event: wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5, session_log = 7.
    private static Event ParseEvent(byte[] record)
    {
        var input = new CodedInputStream(record);
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        int? sessionLog = null;
        var values = new List<Value>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wallTime = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: fileVersion = input.ReadString(); break;
                case 5: values.AddRange(ParseSummary(input.ReadBytes())); break;
                case 7: sessionLog = ParseSessionLogStatus(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return new Event(wallTime, step, fileVersion, sessionLog, values);
    }

    // SessionLog: status = 1 (enum).
    private static int ParseSessionLogStatus(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var status = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                status = input.ReadEnum();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return status;
    }

    // Summary: repeated Value value = 1. Value: tag = 1, simple_value = 2 (float), histo = 5.
    private static List<Value> ParseSummary(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var values = new List<Value>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1)
            {
                input.SkipLastField();
                continue;
            }

            var valueInput = input.ReadBytes().CreateCodedInput();
            string name = string.Empty;
            float? simple = null;
            Histogram? histo = null;
            uint valueTag;
            while ((valueTag = valueInput.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(valueTag))
                {
                    case 1: name = valueInput.ReadString(); break;
                    case 2: simple = valueInput.ReadFloat(); break;
                    case 5: histo = ParseHistogram(valueInput.ReadBytes()); break;
                    default: valueInput.SkipLastField(); break;
                }
            }

            values.Add(new Value(name, simple, histo));
        }

        return values;
    }

    // HistogramProto: min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7 (packed doubles).
    private static Histogram ParseHistogram(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var scalars = new double[6];
        var limits = new List<double>();
        var buckets = new List<double>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            if (field is >= 1 and <= 5)
            {
                scalars[field] = input.ReadDouble();
            }
            else if (field is 6 or 7)
            {
                var target = field == 6 ? limits : buckets;
                if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    var packed = input.ReadBytes().Span;
                    for (var i = 0; i + 8 <= packed.Length; i += 8)
                    {
                        target.Add(BinaryPrimitives.ReadDoubleLittleEndian(packed[i..]));
                    }
                }
                else
                {
                    target.Add(input.ReadDouble());
                }
            }
            else
            {
                input.SkipLastField();
            }
        }

        return new Histogram(scalars[1], scalars[2], scalars[3], scalars[4], scalars[5], limits.ToArray(), buckets.ToArray());
    }
}
