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

        var sourceStrides = Strides(Shape);
        var count = Count;
        var sourceIndex = new int[count];
        var index = new long[rank];
        for (var flat = 0; flat < count; flat++)
        {
            long offset = 0;
            for (var i = 0; i < rank; i++)
            {
                offset += index[i] * sourceStrides[perm[i]];
            }

            sourceIndex[flat] = (int)offset;
            for (var i = rank - 1; i >= 0; i--)
            {
                if (++index[i] < newShape[i])
                {
                    break;
                }

                index[i] = 0;
            }
        }

        if (Floats is not null)
        {
            var result = new float[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = Floats[sourceIndex[i]];
            }

            return new ConstTensor(Type, newShape, result, null);
        }

        var longs = new long[count];
        for (var i = 0; i < count; i++)
        {
            longs[i] = Longs![sourceIndex[i]];
        }

        return new ConstTensor(Type, newShape, null, longs);
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
