using Retrain.Protos.TensorFlow;
using static Retrain.Graphs.Import.OnnxGraphBuilder;

namespace Retrain.Graphs.Import.Ops;

/// <summary>
/// TF Conv2D and DepthwiseConv2dNative (NHWC, filters HWIO and [H,W,C,M]) as ONNX Conv (NCHW, weights OIHW). The
/// weights are transposed once here, at import time, and the output stays channels-first for the next op.
/// </summary>
internal static class ConvolutionOps
{
    public static TfValue Conv2D(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var filter = ConstantFilter(ctx, node, inputs[1]);
        var x = Padding.SpatialInput(ctx, node, inputs[0]);
        if (filter.Shape.Length != 4)
        {
            throw ctx.Fail(node, $"filter shape [{string.Join(",", filter.Shape)}] is not [height, width, in, out]");
        }

        var (inChannels, outChannels) = (filter.Shape[2], filter.Shape[3]);
        if (x[3] % inChannels != 0)
        {
            throw ctx.Fail(node, $"input has {x[3]} channels, not a multiple of the filter's {inChannels}");
        }

        // HWIO -> OIHW. A filter with fewer input channels than the input is a grouped convolution (TF >= 2.5).
        var weights = filter.Transpose([3, 2, 0, 1]);
        return Emit(ctx, node, inputs[0], weights, group: x[3] / inChannels, outChannels);
    }

    public static TfValue DepthwiseConv2dNative(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var filter = ConstantFilter(ctx, node, inputs[1]);
        var x = Padding.SpatialInput(ctx, node, inputs[0]);
        if (filter.Shape.Length != 4 || filter.Shape[2] != x[3])
        {
            throw ctx.Fail(node, $"filter shape [{string.Join(",", filter.Shape)}] is not [height, width, {x[3]}, multiplier]");
        }

        // TF output channel c*M + m reads input channel c with filter [:, :, c, m]; ONNX Conv with group=C gives
        // output channel g*M + m from group g. So [H,W,C,M] -> [C,M,H,W] -> [C*M, 1, H, W].
        var (channels, multiplier) = (filter.Shape[2], filter.Shape[3]);
        var weights = filter.Transpose([2, 3, 0, 1]).WithShape([channels * multiplier, 1, filter.Shape[0], filter.Shape[1]]);
        return Emit(ctx, node, inputs[0], weights, group: channels, channels * multiplier);
    }

    private static ConstTensor ConstantFilter(ImportContext ctx, NodeDef node, TfValue filter)
    {
        Padding.RequireNhwc(ctx, node);
        if (filter is not ConstValue constant || !constant.Tensor.IsFloat)
        {
            throw ctx.Fail(node, "the filter is not a float constant (frozen graphs fold weights into Const nodes)");
        }

        return constant.Tensor;
    }

    private static DynamicValue Emit(ImportContext ctx, NodeDef node, TfValue input, ConstTensor weights, long group, long outChannels)
    {
        var x = input.Shape;
        var (kh, kw) = (weights.Shape[2], weights.Shape[3]);
        var (sh, sw) = Padding.SpatialPair(ctx, node, "strides");
        var (dh, dw) = Padding.SpatialPair(ctx, node, "dilations");
        var mode = node.String("padding", "VALID");
        var (top, bottom, left, right) = mode == "EXPLICIT" ? Padding.Explicit(ctx, node) : (0L, 0L, 0L, 0L);
        var height = Padding.Compute(ctx, node, x[1], kh, sh, dh, mode, top, bottom);
        var width = Padding.Compute(ctx, node, x[2], kw, sw, dw, mode, left, right);

        var data = ctx.InChannelsFirst(ctx.AsDynamic(input, node.Name + "/input"));
        var w = ctx.AddInitializer(node.Name + "/weights", weights);
        var output = ctx.Onnx.Add("Conv", node.Name, [data.OnnxName, w],
            Ints("kernel_shape", [kh, kw]),
            Ints("strides", [sh, sw]),
            Ints("dilations", [dh, dw]),
            Ints("pads", [height.PadBefore, width.PadBefore, height.PadAfter, width.PadAfter]),
            Int("group", group));
        return new DynamicValue(output, [x[0], height.Output, width.Output, outChannels], DataType.DtFloat, Layout.ChannelsFirst);
    }
}
