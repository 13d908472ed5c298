using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>
/// A tensor known at import time. Float types are held as float (TF computes them in float32, so folding does too);
/// every integral type, quantized ones included, is held as long.
/// </summary>
internal sealed class ConstTensor
{
    private ConstTensor(DataType type, long[] shape, float[]? floats, long[]? longs)
    {
        Type = type;
        Shape = shape;
        Floats = floats;
        Longs = longs;
    }

    public DataType Type { get; }

    public long[] Shape { get; }

    public float[]? Floats { get; }

    public long[]? Longs { get; }

    public bool IsFloat => Floats is not null;

    public int Count => Floats?.Length ?? Longs!.Length;

    public static ConstTensor OfFloats(float[] values, long[] shape) => new(DataType.DtFloat, shape, values, null);

    public static ConstTensor OfLongs(DataType type, long[] values, long[] shape) => new(type, shape, null, values);

    public static ConstTensor FromProto(TensorProto proto)
    {
        var shape = TensorProtos.Shape(proto);
        return proto.Dtype is DataType.DtFloat or DataType.DtDouble
            ? OfFloats(TensorProtos.ToFloats(proto), shape)
            : OfLongs(proto.Dtype, TensorProtos.ToLongs(proto), shape);
    }

    /// <summary>The values as floats, converting integers (TF Cast semantics for small integers).</summary>
    public float[] AsFloats() => Floats ?? Array.ConvertAll(Longs!, static v => (float)v);

    /// <summary>The values as longs; float values must be whole numbers (shapes and axes sometimes arrive as float).</summary>
    public long[] AsLongs() => Longs ?? Array.ConvertAll(Floats!, static v => (long)v);

    public ConstTensor WithShape(long[] shape) => new(Type, shape, Floats, Longs);

    /// <summary>Permutes dimensions like TF Transpose: result dim i is source dim perm[i].</summary>
    public ConstTensor Transpose(int[] perm)
    {
        var rank = Shape.Length;
        var newShape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            newShape[i] = Shape[perm[i]];
        }

        var resultStrides = Strides(newShape);
        var step = new long[rank]; // result stride of each source dimension
        for (var i = 0; i < rank; i++)
        {
            step[perm[i]] = resultStrides[i];
        }

        return Floats is not null
            ? new ConstTensor(Type, newShape, Scatter(Floats, Shape, step), null)
            : new ConstTensor(Type, newShape, null, Scatter(Longs!, Shape, step));
    }

    /// <summary>
    /// Reads the source sequentially and writes each value to its place in the result, keeping the target offset
    /// up to date incrementally (an odometer), so the source is read once, in order, whatever the permutation.
    /// </summary>
    private static T[] Scatter<T>(T[] source, long[] shape, long[] step)
    {
        var result = new T[source.Length];
        var rank = shape.Length;
        var position = new long[rank];
        long offset = 0;
        for (var flat = 0; flat < source.Length; flat++)
        {
            result[offset] = source[flat];
            for (var i = rank - 1; i >= 0; i--)
            {
                offset += step[i];
                if (++position[i] < shape[i])
                {
                    break;
                }

                offset -= step[i] * shape[i];
                position[i] = 0;
            }
        }

        return result;
    }

    public static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }
}
