using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>
/// Reads and writes TensorFlow <see cref="TensorProto"/> values the way tensorflow::Tensor::FromProto does: packed
/// little-endian <c>tensor_content</c> wins when present; otherwise the typed <c>*_val</c> list is used, and a list
/// shorter than the shape is padded with its last value (that is how TF stores a splat such as one float_val for a
/// whole [64] bias).
/// </summary>
internal static class TensorProtos
{
    /// <summary>The dimensions of <paramref name="t"/>; a scalar has none.</summary>
    public static long[] Shape(TensorProto t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.TensorShape is null)
        {
            return [];
        }

        var dims = new long[t.TensorShape.Dim.Count];
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = t.TensorShape.Dim[i].Size;
        }

        return dims;
    }

    /// <summary>
    /// The values of a float tensor (DT_FLOAT or DT_DOUBLE; integer tensors are converted) in row-major order.
    /// Throws <see cref="FormatException"/> when the stored bytes do not match the shape.
    /// </summary>
    public static float[] ToFloats(TensorProto t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var count = ElementCount(t);
        switch (t.Dtype)
        {
            case DataType.DtFloat:
                if (!t.TensorContent.IsEmpty)
                {
                    return ReadFloatContent(t, count);
                }

                return Expand(t.FloatVal, count, t);
            case DataType.DtDouble:
                if (!t.TensorContent.IsEmpty)
                {
                    return ReadContent(t, count, 8, static s => (float)BinaryPrimitives.ReadDoubleLittleEndian(s));
                }

                return Expand(t.DoubleVal.Select(static d => (float)d).ToList(), count, t);
            default:
                return Array.ConvertAll(ToLongs(t), static v => (float)v);
        }
    }

    /// <summary>The values of an integer tensor (DT_INT32, DT_INT64 within int range, or a narrower integer type).</summary>
    public static int[] ToInts(TensorProto t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var values = ToLongs(t);
        var result = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < int.MinValue || values[i] > int.MaxValue)
            {
                throw new FormatException($"value {values[i]} at index {i} does not fit in int32");
            }

            result[i] = (int)values[i];
        }

        return result;
    }

    /// <summary>
    /// The values of any integral tensor, quantized types included (quint8 and qint8 are one byte each in
    /// tensor_content, or listed in int_val).
    /// </summary>
    public static long[] ToLongs(TensorProto t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var count = ElementCount(t);
        var content = t.TensorContent;
        switch (t.Dtype)
        {
            case DataType.DtInt32:
            case DataType.DtQint32:
                return content.IsEmpty
                    ? Expand(t.IntVal.Select(static v => (long)v).ToList(), count, t)
                    : ReadContent(t, count, 4, static s => (long)BinaryPrimitives.ReadInt32LittleEndian(s));
            case DataType.DtInt64:
                return content.IsEmpty
                    ? Expand(t.Int64Val, count, t)
                    : ReadContent(t, count, 8, static s => BinaryPrimitives.ReadInt64LittleEndian(s));
            case DataType.DtUint8:
            case DataType.DtQuint8:
                return content.IsEmpty
                    ? Expand(t.IntVal.Select(static v => (long)v).ToList(), count, t)
                    : ReadContent(t, count, 1, static s => (long)s[0]);
            case DataType.DtInt8:
            case DataType.DtQint8:
                return content.IsEmpty
                    ? Expand(t.IntVal.Select(static v => (long)v).ToList(), count, t)
                    : ReadContent(t, count, 1, static s => (long)(sbyte)s[0]);
            case DataType.DtInt16:
            case DataType.DtQint16:
                return content.IsEmpty
                    ? Expand(t.IntVal.Select(static v => (long)v).ToList(), count, t)
                    : ReadContent(t, count, 2, static s => (long)BinaryPrimitives.ReadInt16LittleEndian(s));
            case DataType.DtUint16:
            case DataType.DtQuint16:
                return content.IsEmpty
                    ? Expand(t.IntVal.Select(static v => (long)v).ToList(), count, t)
                    : ReadContent(t, count, 2, static s => (long)BinaryPrimitives.ReadUInt16LittleEndian(s));
            case DataType.DtBool:
                return content.IsEmpty
                    ? Expand(t.BoolVal.Select(static v => v ? 1L : 0L).ToList(), count, t)
                    : ReadContent(t, count, 1, static s => s[0] != 0 ? 1L : 0L);
            default:
                throw new FormatException($"tensor of type {t.Dtype} is not an integer tensor");
        }
    }

    /// <summary>A DT_FLOAT tensor holding <paramref name="values"/> as little-endian tensor_content.</summary>
    public static TensorProto FromFloats(ReadOnlySpan<float> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var expected = Product(shape);
        if (expected != values.Length)
        {
            throw new ArgumentException(
                $"shape [{string.Join(",", shape)}] holds {expected} values but {values.Length} were given",
                nameof(values));
        }

        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        var proto = new TensorProto
        {
            Dtype = DataType.DtFloat,
            TensorShape = ShapeProto(shape),
            TensorContent = UnsafeByteOperations.UnsafeWrap(bytes),
        };
        return proto;
    }

    /// <summary>A DT_INT32 tensor (int_val), the form TF uses for shapes, axes and indices.</summary>
    public static TensorProto FromInts(ReadOnlySpan<int> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (Product(shape) != values.Length)
        {
            throw new ArgumentException($"shape [{string.Join(",", shape)}] does not hold {values.Length} values", nameof(values));
        }

        var proto = new TensorProto { Dtype = DataType.DtInt32, TensorShape = ShapeProto(shape) };
        foreach (var v in values)
        {
            proto.IntVal.Add(v);
        }

        return proto;
    }

    internal static TensorShapeProto ShapeProto(IEnumerable<long> dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dim { Size = d });
        }

        return shape;
    }

    /// <summary>
    /// Most values one constant may hold, read or folded (1 GiB as float32): a shape from a file can claim billions,
    /// which a splat (one listed value) or a broadcast would expand into memory. Real backbones stay far below it.
    /// </summary>
    internal const int MaxValues = 1 << 28;

    /// <summary>The number of values of a tensor of shape <paramref name="dims"/>; OverflowException past 64 bits.</summary>
    internal static long Product(ReadOnlySpan<long> dims)
    {
        long n = 1;
        foreach (var d in dims)
        {
            // A wrapped count can match the content's length by chance (2^32 x 2^32 wraps to 0, an empty content).
            n = checked(n * d);
        }

        return n;
    }

    private static int ElementCount(TensorProto t)
    {
        var shape = Shape(t);
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new FormatException($"constant tensor has an unknown dimension in shape [{string.Join(",", shape)}]");
            }
        }

        long n;
        try
        {
            n = Product(shape);
        }
        catch (OverflowException)
        {
            throw new FormatException($"constant tensor of shape [{string.Join(",", shape)}] holds more values than 64 bits can count");
        }

        if (n > MaxValues)
        {
            throw new FormatException($"constant tensor of shape [{string.Join(",", shape)}] holds {n:N0} values, more than the {MaxValues:N0} retrain reads");
        }

        return (int)n;
    }

    private delegate T ElementReader<T>(ReadOnlySpan<byte> bytes);

    private static T[] ReadContent<T>(TensorProto t, int count, int elementSize, ElementReader<T> read)
    {
        var bytes = t.TensorContent.Span;
        if (bytes.Length != (long)count * elementSize)
        {
            throw new FormatException(
                $"tensor_content has {bytes.Length} bytes but shape [{string.Join(",", Shape(t))}] of {t.Dtype} needs {(long)count * elementSize}");
        }

        var result = new T[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = read(bytes.Slice(i * elementSize, elementSize));
        }

        return result;
    }

    private static float[] ReadFloatContent(TensorProto t, int count)
    {
        var bytes = t.TensorContent.Span;
        if (BitConverter.IsLittleEndian && bytes.Length == (long)count * sizeof(float))
        {
            // Bulk copy: Inception's 87 MB of weights would otherwise go through a per-element delegate.
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }

        return ReadContent(t, count, 4, static s => BinaryPrimitives.ReadSingleLittleEndian(s));
    }

    private static T[] Expand<T>(IReadOnlyList<T> values, int count, TensorProto t)
    {
        if (values.Count > count)
        {
            throw new FormatException(
                $"tensor lists {values.Count} values but shape [{string.Join(",", Shape(t))}] holds {count}");
        }

        var result = new T[count];
        for (var i = 0; i < values.Count; i++)
        {
            result[i] = values[i];
        }

        if (values.Count > 0)
        {
            // Tensor::FromProto repeats the last listed value: a single value is a splat over the whole shape.
            result.AsSpan(values.Count).Fill(values[^1]);
        }

        return result;
    }
}
