using Retrain.Graphs.Import.Folding;
using Retrain.Protos.TensorFlow;
using static Retrain.Graphs.Import.OnnxGraphBuilder;

namespace Retrain.Graphs.Import.Ops;

/// <summary>TF ops that only move or relabel data: Identity, Reshape, Squeeze, ExpandDims, Cast, Shape, ConcatV2/Concat.</summary>
internal static class ShapeOps
{
    /// <summary>Identity, Snapshot, StopGradient, and PlaceholderWithDefault when it is not the fed input: no node at all.</summary>
    public static TfValue PassThrough(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs) => inputs[0];

    public static TfValue Reshape(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        if (inputs[1] is not ConstValue target)
        {
            throw ctx.Fail(node, "the target shape is computed at run time; only constant shapes are supported");
        }

        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var shape = ShapeRules.Reshape(ctx, node, x.Shape, target.Tensor.AsLongs());
        return Relabel(ctx, node, x, shape);
    }

    public static TfValue Squeeze(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var axes = ShapeRules.SqueezeAxes(ctx, node, x.Shape);
        var shape = ShapeRules.Without(x.Shape, axes);
        if (x.Layout == Layout.ChannelsFirst)
        {
            return Relabel(ctx, node, x, shape);
        }

        var output = ctx.Onnx.Add("Squeeze", node.Name, [x.OnnxName, ctx.Int64Initializer(node.Name + "/axes", axes.Select(static a => (long)a).ToArray())]);
        return new DynamicValue(output, shape, x.Type, Layout.AsTensorFlow);
    }

    public static TfValue ExpandDims(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        if (inputs[1] is not ConstValue axisValue)
        {
            throw ctx.Fail(node, "the axis is computed at run time; only a constant axis is supported");
        }

        var x = ctx.InTensorFlowLayout(ctx.AsDynamic(inputs[0], node.Name + "/input"));
        var axis = ShapeRules.ExpandAxis(ctx, node, ConstantFolder.ScalarLong(ctx, node, axisValue.Tensor), x.Shape);
        var output = ctx.Onnx.Add("Unsqueeze", node.Name, [x.OnnxName, ctx.Int64Initializer(node.Name + "/axes", [axis])]);
        return new DynamicValue(output, ShapeRules.Inserted(x.Shape, axis), x.Type, Layout.AsTensorFlow);
    }

    public static TfValue Cast(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var target = node.Type("DstT") ?? DataType.DtFloat;
        if (target == x.Type)
        {
            return x;
        }

        var elementType = ImportContext.OnnxElementType(target);
        if (elementType == 0)
        {
            throw ctx.Fail(node, $"cast to {target} is not supported");
        }

        var output = ctx.Onnx.Add("Cast", node.Name, [x.OnnxName], Int("to", elementType));
        return new DynamicValue(output, x.Shape, target, x.Layout);
    }

    /// <summary>TF Shape of a value whose shape is known at import time is a constant.</summary>
    public static TfValue Shape(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var shape = inputs[0].Shape;
        if (shape.Contains(TfValue.BatchDim))
        {
            ctx.RequireFixedBatch(node, "the graph reads the batch size");
        }

        return new ConstValue(ConstTensor.OfLongs(node.Type("out_type") ?? DataType.DtInt32, shape, [shape.Length]));
    }

    public static TfValue ConcatV2(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs) =>
        Concat(ctx, node, inputs.Take(inputs.Count - 1).ToList(), inputs[^1]);

    /// <summary>The legacy Concat op: like ConcatV2, but concat_dim is the FIRST input.</summary>
    public static TfValue LegacyConcat(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs) =>
        Concat(ctx, node, inputs.Skip(1).ToList(), inputs[0]);

    private static DynamicValue Concat(ImportContext ctx, NodeDef node, List<TfValue> parts, TfValue axisValue)
    {
        if (axisValue is not ConstValue axisConst)
        {
            throw ctx.Fail(node, "the axis is computed at run time; only a constant axis is supported");
        }

        var rank = parts[0].Rank;
        var axis = ShapeRules.Axis(ctx, node, ConstantFolder.ScalarLong(ctx, node, axisConst.Tensor), rank);
        var shape = ShapeRules.Concat(ctx, node, parts.Select(static p => p.Shape).ToList(), axis);

        // Inception's mixed blocks concatenate channels-first branches: concatenate them on NCHW axis 1 directly.
        var channelsFirst = rank == 4 && parts.Any(static p => p is DynamicValue { Layout: Layout.ChannelsFirst });
        var names = new List<string>();
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i] is ConstValue constant && channelsFirst)
            {
                // Permute constant parts now rather than emitting a Transpose of an initializer.
                names.Add(ctx.AddInitializer($"{node.Name}/part{i}", constant.Tensor.Transpose(LayoutMath.ToChannelsFirstPerm)));
                continue;
            }

            var part = ctx.AsDynamic(parts[i], $"{node.Name}/part{i}");
            names.Add((channelsFirst ? ctx.InChannelsFirst(part) : ctx.InTensorFlowLayout(part)).OnnxName);
        }

        var physicalAxis = channelsFirst ? LayoutMath.PhysicalAxis(axis) : axis;
        var output = ctx.Onnx.Add("Concat", node.Name, names, Int("axis", physicalAxis));
        return new DynamicValue(output, shape, parts[0].Type, channelsFirst ? Layout.ChannelsFirst : Layout.AsTensorFlow);
    }

    /// <summary>
    /// Reshape/Squeeze as a plain relabelling of memory. A channels-first input is first put in NHWC order, unless
    /// its memory order already is NHWC's (e.g. [N,1,1,C] after a global pool), which saves a Transpose.
    /// </summary>
    private static DynamicValue Relabel(ImportContext ctx, NodeDef node, DynamicValue x, long[] shape)
    {
        if (x.Layout == Layout.ChannelsFirst && !LayoutMath.SameMemoryOrder(x.Shape))
        {
            x = ctx.InTensorFlowLayout(x);
        }

        var output = ctx.Onnx.Add("Reshape", node.Name, [x.OnnxName, ctx.ShapeInitializer(node.Name, shape)]);
        return new DynamicValue(output, shape, x.Type, Layout.AsTensorFlow);
    }
}
