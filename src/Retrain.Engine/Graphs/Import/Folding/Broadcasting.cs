namespace Retrain.Graphs.Import.Folding;

/// <summary>NumPy-style broadcasting, which TF's binary ops (Add, Mul, ...) and ONNX's share.</summary>
internal static class Broadcasting
{
    /// <summary>
    /// The broadcast shape of <paramref name="a"/> and <paramref name="b"/>, or null when they are incompatible.
    /// The symbolic batch (-1) broadcasts with 1 and with itself; against any other size,
    /// <paramref name="batchConflict"/> is called (it decides whether the import falls back to a fixed batch).
    /// </summary>
    public static long[]? Shape(long[] a, long[] b, Action? batchConflict = null)
    {
        var rank = Math.Max(a.Length, b.Length);
        if ((a.Length < rank && a.Length > 0 && a[0] == TfValue.BatchDim) || (b.Length < rank && b.Length > 0 && b[0] == TfValue.BatchDim))
        {
            // A higher-rank operand would push the batch out of dimension 0.
            batchConflict?.Invoke();
            return null;
        }

        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da == db || db == 1)
            {
                result[i] = da;
            }
            else if (da == 1)
            {
                result[i] = db;
            }
            else if (da == TfValue.BatchDim || db == TfValue.BatchDim)
            {
                batchConflict?.Invoke();
                return null;
            }
            else
            {
                return null;
            }
        }

        return result;
    }

    /// <summary>For each element of <paramref name="target"/>, the flat index it reads from a tensor of <paramref name="source"/> shape.</summary>
    public static int[] SourceIndices(long[] source, long[] target)
    {
        var rank = target.Length;
        var offset = rank - source.Length;
        var sourceStrides = ConstTensor.Strides(source);
        var count = (int)TensorProtos.Product(target);
        var indices = new int[count];
        var position = new long[rank];
        for (var flat = 0; flat < count; flat++)
        {
            long index = 0;
            for (var i = 0; i < source.Length; i++)
            {
                if (source[i] != 1)
                {
                    index += position[i + offset] * sourceStrides[i];
                }
            }

            indices[flat] = (int)index;
            for (var i = rank - 1; i >= 0; i--)
            {
                if (++position[i] < target[i])
                {
                    break;
                }

                position[i] = 0;
            }
        }

        return indices;
    }
}
