using Retrain.Protos.TensorFlow;
using static Retrain.Graphs.Import.OnnxGraphBuilder;

namespace Retrain.Graphs.Import.Ops;

/// <summary>TF MaxPool and AvgPool (NHWC) as ONNX MaxPool/AveragePool (NCHW) with explicit pads.</summary>
internal static class PoolingOps
{
    public static TfValue MaxPool(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs) =>
        Emit(ctx, node, inputs[0], "MaxPool");

    /// <summary>
    /// TF's AvgPool with SAME padding averages only the taps inside the input (a corner 3x3 window divides by 4),
    /// which is ONNX AveragePool with count_include_pad=0.
    /// </summary>
    public static TfValue AvgPool(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs) =>
        Emit(ctx, node, inputs[0], "AveragePool", Int("count_include_pad", 0));

    private static DynamicValue Emit(ImportContext ctx, NodeDef node, TfValue input, string onnxOp, params Protos.Onnx.AttributeProto[] extra)
    {
        Padding.RequireNhwc(ctx, node);
        var x = Padding.SpatialInput(ctx, node, input);
        var (kh, kw) = Padding.SpatialPair(ctx, node, "ksize");
        var (sh, sw) = Padding.SpatialPair(ctx, node, "strides");
        var mode = node.String("padding", "VALID");
        var height = Padding.Compute(ctx, node, x[1], kh, sh, 1, mode);
        var width = Padding.Compute(ctx, node, x[2], kw, sw, 1, mode);

        var data = ctx.InChannelsFirst(ctx.AsDynamic(input, node.Name + "/input"));
        Protos.Onnx.AttributeProto[] attributes =
        [
            Ints("kernel_shape", [kh, kw]),
            Ints("strides", [sh, sw]),
            Ints("pads", [height.PadBefore, width.PadBefore, height.PadAfter, width.PadAfter]),
            .. extra,
        ];
        var output = ctx.Onnx.Add(onnxOp, node.Name, [data.OnnxName], attributes);
        return new DynamicValue(output, [x[0], height.Output, width.Output, x[3]], DataType.DtFloat, Layout.ChannelsFirst);
    }
}
