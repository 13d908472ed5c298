using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>
/// Output shapes of TF's shape-manipulating ops, shared by constant folding and translation. The symbolic batch
/// (-1 in dimension 0) is carried through where TF semantics allow; where the graph depends on the batch being its
/// declared size, <see cref="ImportContext.RequireFixedBatch"/> makes the importer retry with a fixed batch.
/// </summary>
internal static class ShapeRules
{
    /// <summary>Normalizes a possibly negative axis of a rank-<paramref name="rank"/> tensor.</summary>
    public static int Axis(ImportContext ctx, NodeDef node, long axis, int rank)
    {
        var normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw ctx.Fail(node, $"axis {axis} is out of range for a rank-{rank} tensor");
        }

        return (int)normalized;
    }

    /// <summary>The number of values of <paramref name="shape"/>; refused naming the node when 64 bits cannot count it.</summary>
    public static long Count(ImportContext ctx, NodeDef node, ReadOnlySpan<long> shape)
    {
        try
        {
            return TensorProtos.Product(shape);
        }
        catch (OverflowException)
        {
            throw ctx.Fail(node, $"shape [{string.Join(",", shape.ToArray())}] holds more values than 64 bits can count");
        }
    }

    /// <summary>
    /// The length of the array a constant of <paramref name="shape"/> folded at import needs; refused past
    /// <see cref="TensorProtos.MaxValues"/> (a broadcast of two small constants can claim billions).
    /// </summary>
    public static int FoldedLength(ImportContext ctx, NodeDef node, long[] shape)
    {
        var count = Count(ctx, node, shape);
        if (count > TensorProtos.MaxValues)
        {
            throw ctx.Fail(node, $"its constant result of shape [{string.Join(",", shape)}] would hold {count:N0} values, more than the {TensorProtos.MaxValues:N0} retrain computes while importing");
        }

        return (int)count;
    }

    /// <summary>
    /// TF Reshape: one -1 is inferred. With a symbolic batch the target must keep the batch in dimension 0: a leading
    /// -1, or the graph's own batch size 1 (frozen graphs often bake "[1, 1001]" in), is rewritten to the batch.
    /// </summary>
    public static long[] Reshape(ImportContext ctx, NodeDef node, long[] input, long[] target)
    {
        if (target.Count(static d => d == -1) > 1)
        {
            throw ctx.Fail(node, $"target shape [{string.Join(",", target)}] has more than one -1");
        }

        var batchSymbolic = input.Length > 0 && input[0] == TfValue.BatchDim;
        if (!batchSymbolic)
        {
            return InferOne(ctx, node, Count(ctx, node, input), target);
        }

        var perItem = Count(ctx, node, input.AsSpan(1));
        if (target.Length == 0 || (target[0] != -1 && target[0] != 1))
        {
            ctx.RequireFixedBatch(node, $"reshape to [{string.Join(",", target)}] does not keep the batch in dimension 0");
        }

        if (target[0] == -1 && target.Skip(1).Contains(-1))
        {
            ctx.RequireFixedBatch(node, "the batch and another dimension are both inferred");
        }

        var rest = InferOne(ctx, node, perItem, target[1..]);
        return [TfValue.BatchDim, .. rest];
    }

    private static long[] InferOne(ImportContext ctx, NodeDef node, long count, long[] target)
    {
        var unknownAt = Array.IndexOf(target, -1L);
        var known = Count(ctx, node, target.Where(static d => d != -1).ToArray());

        var result = (long[])target.Clone();
        if (unknownAt >= 0)
        {
            if (known == 0 || count % known != 0)
            {
                throw ctx.Fail(node, $"cannot reshape {count} values to [{string.Join(",", target)}]");
            }

            result[unknownAt] = count / known;
        }
        else if (known != count)
        {
            ctx.RequireFixedBatch(node, $"reshape of {count} values per item to [{string.Join(",", target)}]");
            throw ctx.Fail(node, $"cannot reshape {count} values to [{string.Join(",", target)}]");
        }

        return result;
    }

    /// <summary>TF Squeeze: the listed axes (attr squeeze_dims, or axis in newer graphs), or else every size-1 axis.</summary>
    public static int[] SqueezeAxes(ImportContext ctx, NodeDef node, long[] input)
    {
        var listed = node.Ints("squeeze_dims") ?? node.Ints("axis") ?? [];
        int[] axes;
        if (listed.Length == 0)
        {
            if (input.Length > 0 && input[0] == TfValue.BatchDim)
            {
                ctx.RequireFixedBatch(node, "Squeeze without axes would also remove a batch of 1");
            }

            axes = Enumerable.Range(0, input.Length).Where(i => input[i] == 1).ToArray();
        }
        else
        {
            axes = listed.Select(a => Axis(ctx, node, a, input.Length)).Distinct().Order().ToArray();
        }

        foreach (var axis in axes)
        {
            if (input[axis] == TfValue.BatchDim)
            {
                ctx.RequireFixedBatch(node, "it squeezes the batch dimension");
            }
            else if (input[axis] != 1)
            {
                throw ctx.Fail(node, $"cannot squeeze dimension {axis} of size {input[axis]}");
            }
        }

        return axes;
    }

    public static long[] Without(long[] shape, int[] axes) =>
        shape.Where((_, i) => !axes.Contains(i)).ToArray();

    /// <summary>TF ExpandDims: axis may be -rank-1 .. rank.</summary>
    public static int ExpandAxis(ImportContext ctx, NodeDef node, long axis, long[] input)
    {
        var rank = input.Length + 1;
        var normalized = Axis(ctx, node, axis, rank);
        if (normalized == 0 && input.Length > 0 && input[0] == TfValue.BatchDim)
        {
            ctx.RequireFixedBatch(node, "a new leading dimension moves the batch out of dimension 0");
        }

        return normalized;
    }

    public static long[] Inserted(long[] shape, int axis) => [.. shape[..axis], 1, .. shape[axis..]];

    /// <summary>TF ConcatV2/Concat: every input has the same shape except along <paramref name="axis"/>.</summary>
    public static long[] Concat(ImportContext ctx, NodeDef node, IReadOnlyList<long[]> shapes, int axis)
    {
        var result = (long[])shapes[0].Clone();
        if (axis == 0 && result[0] == TfValue.BatchDim)
        {
            ctx.RequireFixedBatch(node, "it concatenates along the batch dimension");
        }

        for (var k = 1; k < shapes.Count; k++)
        {
            var shape = shapes[k];
            if (shape.Length != result.Length)
            {
                throw ctx.Fail(node, $"input {k} has rank {shape.Length}, expected {result.Length}");
            }

            for (var i = 0; i < shape.Length; i++)
            {
                if (i == axis)
                {
                    result[i] += shape[i];
                }
                else if (shape[i] != result[i])
                {
                    if (i == 0 && (shape[i] == TfValue.BatchDim || result[i] == TfValue.BatchDim))
                    {
                        ctx.RequireFixedBatch(node, "a constant input has a fixed batch size");
                    }

                    throw ctx.Fail(node, $"input {k} has shape [{string.Join(",", shape)}], incompatible with [{string.Join(",", shapes[0])}] outside axis {axis}");
                }
            }
        }

        return result;
    }
}
