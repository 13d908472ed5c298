using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import.Folding;

/// <summary>
/// Evaluates ops whose inputs are all constants at import time, so the ONNX graph gets precomputed initializers
/// (MobileNet's batch-norm Rsqrt/Mul/Sub chains, Dequantize of quantized weights, shape arithmetic). Float math is
/// done in float32, as TF does.
/// </summary>
internal static class ConstantFolder
{
    /// <summary>The folded value, or null when <paramref name="node"/>'s op is not one this folder evaluates.</summary>
    public static ConstTensor? TryFold(ImportContext ctx, NodeDef node, IReadOnlyList<ConstTensor> inputs)
    {
        switch (node.Op)
        {
            case "Identity" or "Snapshot" or "StopGradient" or "PlaceholderWithDefault" when inputs.Count >= 1:
                return inputs[0];
            case "Add" or "AddV2" or "BiasAdd" or "Sub" or "Mul" or "RealDiv" or "Maximum" or "Minimum" when inputs.Count == 2:
                return Binary(ctx, node, inputs[0], inputs[1]);
            case "Rsqrt" or "Sqrt" or "Relu" or "Relu6" or "Neg" or "Reciprocal" or "Square" when inputs.Count == 1:
                return Unary(node.Op, inputs[0]);
            case "Dequantize" when inputs.Count == 3:
                return Dequantize(ctx, node, inputs);
            case "Cast" when inputs.Count == 1:
                return Cast(node, inputs[0]);
            case "Reshape" when inputs.Count == 2:
                return inputs[0].WithShape(ShapeRules.Reshape(ctx, node, inputs[0].Shape, inputs[1].AsLongs()));
            case "Squeeze" when inputs.Count == 1:
                return inputs[0].WithShape(ShapeRules.Without(inputs[0].Shape, ShapeRules.SqueezeAxes(ctx, node, inputs[0].Shape)));
            case "ExpandDims" when inputs.Count == 2:
                return inputs[0].WithShape(ShapeRules.Inserted(
                    inputs[0].Shape, ShapeRules.ExpandAxis(ctx, node, ScalarLong(ctx, node, inputs[1]), inputs[0].Shape)));
            case "Shape" when inputs.Count == 1:
                var shapeType = node.Type("out_type") ?? DataType.DtInt32;
                return ConstTensor.OfLongs(shapeType, inputs[0].Shape, [inputs[0].Shape.Length]);
            case "ConcatV2" when inputs.Count >= 2:
                return Concat(ctx, node, inputs.Take(inputs.Count - 1).ToList(), inputs[^1]);
            case "Concat" when inputs.Count >= 2:
                return Concat(ctx, node, inputs.Skip(1).ToList(), inputs[0]);
            default:
                return null;
        }
    }

    public static long ScalarLong(ImportContext ctx, NodeDef node, ConstTensor t)
    {
        if (t.Count != 1)
        {
            throw ctx.Fail(node, $"expected a scalar, got shape [{string.Join(",", t.Shape)}]");
        }

        return t.AsLongs()[0];
    }

    private static ConstTensor Binary(ImportContext ctx, NodeDef node, ConstTensor a, ConstTensor b)
    {
        var shape = Broadcasting.Shape(a.Shape, b.Shape)
            ?? throw ctx.Fail(node, $"shapes [{string.Join(",", a.Shape)}] and [{string.Join(",", b.Shape)}] do not broadcast");
        ShapeRules.FoldedLength(ctx, node, shape);
        var ia = Broadcasting.SourceIndices(a.Shape, shape);
        var ib = Broadcasting.SourceIndices(b.Shape, shape);
        if (a.IsFloat || b.IsFloat)
        {
            var fa = a.AsFloats();
            var fb = b.AsFloats();
            Func<float, float, float> f = node.Op switch
            {
                "Add" or "AddV2" or "BiasAdd" => static (x, y) => x + y,
                "Sub" => static (x, y) => x - y,
                "Mul" => static (x, y) => x * y,
                "RealDiv" => static (x, y) => x / y,
                "Maximum" => MathF.Max,
                _ => MathF.Min,
            };
            var result = new float[ia.Length];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = f(fa[ia[i]], fb[ib[i]]);
            }

            return ConstTensor.OfFloats(result, shape);
        }

        var la = a.Longs!;
        var lb = b.Longs!;
        Func<long, long, long> g = node.Op switch
        {
            "Add" or "AddV2" or "BiasAdd" => static (x, y) => x + y,
            "Sub" => static (x, y) => x - y,
            "Mul" => static (x, y) => x * y,
            "RealDiv" => static (x, y) => x / y,
            "Maximum" => Math.Max,
            _ => Math.Min,
        };
        var longs = new long[ia.Length];
        for (var i = 0; i < longs.Length; i++)
        {
            longs[i] = g(la[ia[i]], lb[ib[i]]);
        }

        return ConstTensor.OfLongs(a.Type, longs, shape);
    }

    private static ConstTensor Unary(string op, ConstTensor x)
    {
        Func<float, float> f = op switch
        {
            "Rsqrt" => static v => 1.0f / MathF.Sqrt(v),
            "Sqrt" => MathF.Sqrt,
            "Relu" => static v => MathF.Max(v, 0),
            "Relu6" => static v => MathF.Min(MathF.Max(v, 0), 6),
            "Neg" => static v => -v,
            "Reciprocal" => static v => 1.0f / v,
            _ => static v => v * v,
        };
        return ConstTensor.OfFloats(x.AsFloats().Select(f).ToArray(), x.Shape);
    }

    private static ConstTensor Dequantize(ImportContext ctx, NodeDef node, IReadOnlyList<ConstTensor> inputs)
    {
        var (quantized, min, max) = (inputs[0], inputs[1], inputs[2]);
        if (min.Count != 1 || max.Count != 1)
        {
            throw ctx.Fail(node, "per-channel ranges (non-scalar min_range/max_range) are not supported");
        }

        if (node.Int("axis", -1) != -1)
        {
            throw ctx.Fail(node, "per-axis dequantization (attr axis) is not supported");
        }

        if (!Dequantizer.IsQuantized(quantized.Type) || quantized.Longs is null)
        {
            throw ctx.Fail(node, $"input of type {quantized.Type} is not a quantized type");
        }

        try
        {
            var values = Dequantizer.Dequantize(
                quantized.Longs, quantized.Type, min.AsFloats()[0], max.AsFloats()[0],
                node.String("mode", "MIN_COMBINED"), node.Bool("narrow_range", false));
            return ConstTensor.OfFloats(values, quantized.Shape);
        }
        catch (NotSupportedException e)
        {
            throw ctx.Fail(node, e.Message);
        }
    }

    private static ConstTensor Cast(NodeDef node, ConstTensor x)
    {
        var target = node.Type("DstT") ?? DataType.DtFloat;
        return target switch
        {
            DataType.DtFloat or DataType.DtDouble => ConstTensor.OfFloats(x.AsFloats(), x.Shape),
            DataType.DtBool => ConstTensor.OfLongs(target, x.AsFloats().Select(static v => v != 0 ? 1L : 0L).ToArray(), x.Shape),

            // TF truncates toward zero when casting float to an integer type.
            _ => ConstTensor.OfLongs(target, x.AsFloats().Select(static v => (long)MathF.Truncate(v)).ToArray(), x.Shape),
        };
    }

    private static ConstTensor Concat(ImportContext ctx, NodeDef node, List<ConstTensor> parts, ConstTensor axisTensor)
    {
        var rank = parts[0].Shape.Length;
        var axis = ShapeRules.Axis(ctx, node, ScalarLong(ctx, node, axisTensor), rank);
        var shape = ShapeRules.Concat(ctx, node, parts.Select(static p => p.Shape).ToList(), axis);
        var length = ShapeRules.FoldedLength(ctx, node, shape);
        var outer = (int)TensorProtos.Product(shape.AsSpan(0, axis));
        var floats = parts.Any(static p => p.IsFloat);
        var resultFloats = floats ? new float[length] : null;
        var resultLongs = floats ? null : new long[length];
        var floatParts = floats ? parts.Select(static p => p.AsFloats()).ToList() : null;
        var position = 0;
        for (var o = 0; o < outer; o++)
        {
            for (var k = 0; k < parts.Count; k++)
            {
                var part = parts[k];
                // Each part contributes a contiguous run of (its axis size x inner size) values per outer index.
                var run = (int)TensorProtos.Product(part.Shape.AsSpan(axis));
                if (floats)
                {
                    Array.Copy(floatParts![k], o * run, resultFloats!, position, run);
                }
                else
                {
                    Array.Copy(part.Longs!, o * run, resultLongs!, position, run);
                }

                position += run;
            }
        }

        return floats ? ConstTensor.OfFloats(resultFloats!, shape) : ConstTensor.OfLongs(parts[0].Type, resultLongs!, shape);
    }
}
