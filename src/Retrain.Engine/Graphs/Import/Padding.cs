using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>
/// TF's windowed-op geometry (tensorflow/core/framework/kernel_shape_util.cc, GetWindowedOutputSizeVerbose) for
/// Conv2D, DepthwiseConv2dNative, MaxPool and AvgPool, turned into ONNX's explicit begin/end pads.
/// </summary>
internal static class Padding
{
    /// <summary>Output size and pads of one spatial dimension.</summary>
    public readonly record struct Window(long Output, long PadBefore, long PadAfter);

    /// <summary>
    /// SAME: output = ceil(input/stride), total pad = max((output-1)*stride + effective_kernel - input, 0), with
    /// the odd pixel at the end (bottom/right), which is ONNX's SAME_UPPER but is written out explicitly so no
    /// runtime has to agree on auto_pad. VALID: no pads, output = ceil((input - effective_kernel + 1)/stride).
    /// </summary>
    public static Window Compute(ImportContext ctx, NodeDef node, long input, long kernel, long stride, long dilation,
        string mode, long explicitBefore = 0, long explicitAfter = 0)
    {
        if (stride <= 0 || dilation <= 0 || kernel <= 0)
        {
            throw ctx.Fail(node, "kernel, strides and dilations must be positive");
        }

        var effectiveKernel = ((kernel - 1) * dilation) + 1;
        switch (mode)
        {
            case "SAME":
                {
                    var output = (input + stride - 1) / stride;
                    var total = Math.Max(((output - 1) * stride) + effectiveKernel - input, 0);
                    return new Window(output, total / 2, total - (total / 2));
                }

            case "VALID":
                {
                    if (input < effectiveKernel)
                    {
                        throw ctx.Fail(node, $"VALID window of {effectiveKernel} does not fit an input of {input}");
                    }

                    return new Window(((input - effectiveKernel) / stride) + 1, 0, 0);
                }

            case "EXPLICIT":
                {
                    var padded = input + explicitBefore + explicitAfter;
                    if (padded < effectiveKernel)
                    {
                        throw ctx.Fail(node, $"window of {effectiveKernel} does not fit a padded input of {padded}");
                    }

                    return new Window(((padded - effectiveKernel) / stride) + 1, explicitBefore, explicitAfter);
                }

            default:
                throw ctx.Fail(node, $"padding '{mode}' is not supported (expected SAME, VALID or EXPLICIT)");
        }
    }

    /// <summary>Reads an NHWC 4-element attr such as strides, ksize or dilations, requiring 1 on N and C.</summary>
    public static (long H, long W) SpatialPair(ImportContext ctx, NodeDef node, string attr)
    {
        var values = node.Ints(attr);
        if (values is null)
        {
            return (1, 1);
        }

        if (values.Length != 4)
        {
            throw ctx.Fail(node, $"attr {attr} has {values.Length} values, expected 4");
        }

        if (values[0] != 1 || values[3] != 1)
        {
            throw ctx.Fail(node, $"attr {attr}=[{string.Join(",", values)}] acts on the batch or channel dimension");
        }

        return (values[1], values[2]);
    }

    /// <summary>Windowed ops are translated for NHWC only, the layout every CPU-frozen graph uses.</summary>
    public static void RequireNhwc(ImportContext ctx, NodeDef node)
    {
        var format = node.String("data_format", "NHWC");
        if (format != "NHWC")
        {
            throw ctx.Fail(node, $"data_format {format} is not supported (only NHWC)");
        }
    }

    /// <summary>The [N,H,W,C] input with known H, W and C.</summary>
    public static long[] SpatialInput(ImportContext ctx, NodeDef node, TfValue input)
    {
        var shape = input.Shape;
        if (shape.Length != 4)
        {
            throw ctx.Fail(node, $"expected a 4-D NHWC input, got shape [{string.Join(",", shape)}]");
        }

        if (shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0)
        {
            throw ctx.Fail(node, $"input shape [{string.Join(",", shape)}] has unknown height, width or channels");
        }

        return shape;
    }

    /// <summary>TF's explicit_paddings attr (8 values, NHWC pairs) as (top, bottom, left, right).</summary>
    public static (long Top, long Bottom, long Left, long Right) Explicit(ImportContext ctx, NodeDef node)
    {
        var values = node.Ints("explicit_paddings") ?? [];
        if (values.Length != 8)
        {
            throw ctx.Fail(node, "padding EXPLICIT needs 8 explicit_paddings values");
        }

        return (values[2], values[3], values[4], values[5]);
    }
}
