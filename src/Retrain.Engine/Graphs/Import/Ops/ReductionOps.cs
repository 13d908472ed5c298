using Retrain.Protos.TensorFlow;
using static Retrain.Graphs.Import.OnnxGraphBuilder;

namespace Retrain.Graphs.Import.Ops;

/// <summary>TF Mean (e.g. Inception's global pool over axes [1,2]) as ONNX ReduceMean.</summary>
internal static class ReductionOps
{
    public static TfValue Mean(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        if (inputs[1] is not ConstValue axesValue)
        {
            throw ctx.Fail(node, "reduction_indices are computed at run time; only constant axes are supported");
        }

        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var axes = axesValue.Tensor.AsLongs().Select(a => ShapeRules.Axis(ctx, node, a, x.Rank)).Distinct().Order().ToArray();
        if (axes.Contains(0) && x.Shape[0] == TfValue.BatchDim)
        {
            ctx.RequireFixedBatch(node, "it averages over the batch");
        }

        if (axes.Length == 0)
        {
            // TF reduces over nothing (identity); ONNX would read empty axes as "all".
            return x;
        }

        var keepDims = node.Bool("keep_dims", node.Bool("keepdims", false));
        var keptShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var outputShape = keepDims ? keptShape : ShapeRules.Without(x.Shape, axes);

        // A channels-first input can be reduced in place when the result is again 4-D (keep_dims) or the surviving
        // dimensions keep their relative order in NCHW memory (e.g. [N,H,W,C] over H,W leaves N,C in both layouts).
        if (x.Layout == Layout.ChannelsFirst && !keepDims && !SurvivorsInOrder(axes))
        {
            x = ctx.InTensorFlowLayout(x);
        }

        var physicalAxes = x.Layout == Layout.ChannelsFirst
            ? axes.Select(static a => (long)LayoutMath.PhysicalAxis(a)).Order().ToArray()
            : axes.Select(static a => (long)a).ToArray();
        var output = ctx.Onnx.Add("ReduceMean", node.Name, [x.OnnxName],
            Ints("axes", physicalAxes), Int("keepdims", keepDims ? 1 : 0));
        var layout = keepDims ? x.Layout : Layout.AsTensorFlow;
        if (layout == Layout.ChannelsFirst && outputShape.Length != 4)
        {
            layout = Layout.AsTensorFlow;
        }

        return new DynamicValue(output, outputShape, x.Type, layout);
    }

    private static bool SurvivorsInOrder(int[] axes)
    {
        var survivors = LayoutMath.ToChannelsFirstPerm.Where(a => !axes.Contains(a)).ToArray();
        return survivors.SequenceEqual(survivors.Order());
    }
}
