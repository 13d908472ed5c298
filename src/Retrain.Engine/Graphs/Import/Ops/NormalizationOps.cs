using Retrain.Protos.TensorFlow;
using static Retrain.Graphs.Import.OnnxGraphBuilder;

namespace Retrain.Graphs.Import.Ops;

/// <summary>
/// TF's inference-mode batch normalizations as ONNX BatchNormalization (NCHW), which ONNX Runtime then fuses into
/// the preceding Conv: y = scale * (x - mean) / sqrt(variance + epsilon) + offset.
/// </summary>
internal static class NormalizationOps
{
    /// <summary>FusedBatchNorm / V2 / V3: inputs x, scale, offset, mean, variance; attr epsilon (default 1e-4).</summary>
    public static TfValue FusedBatchNorm(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        Padding.RequireNhwc(ctx, node);
        if (node.Bool("is_training", true))
        {
            // Training mode normalizes with the batch's own statistics, which a frozen inference graph must not do.
            throw ctx.Fail(node, "is_training=true (batch statistics); freeze the graph in inference mode");
        }

        if (inputs.Count < 5)
        {
            throw ctx.Fail(node, $"expected 5 inputs (x, scale, offset, mean, variance), got {inputs.Count}");
        }

        return Emit(ctx, node, inputs[0], scale: inputs[1], offset: inputs[2], mean: inputs[3], variance: inputs[4],
            node.Float("epsilon", 1e-4f));
    }

    /// <summary>
    /// BatchNormWithGlobalNormalization (the 2015 Inception graphs): inputs t, m, v, beta, gamma; attrs
    /// variance_epsilon and scale_after_normalization (when false, gamma is ignored).
    /// </summary>
    public static TfValue BatchNormWithGlobalNormalization(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        if (inputs.Count < 5)
        {
            throw ctx.Fail(node, $"expected 5 inputs (t, m, v, beta, gamma), got {inputs.Count}");
        }

        var channels = Padding.SpatialInput(ctx, node, inputs[0])[3];
        var scale = node.Bool("scale_after_normalization", false)
            ? inputs[4]
            : new ConstValue(ConstTensor.OfFloats(Enumerable.Repeat(1.0f, (int)channels).ToArray(), [channels]));
        return Emit(ctx, node, inputs[0], scale, offset: inputs[3], mean: inputs[1], variance: inputs[2],
            node.Float("variance_epsilon", 1e-3f));
    }

    private static DynamicValue Emit(ImportContext ctx, NodeDef node, TfValue input, TfValue scale, TfValue offset,
        TfValue mean, TfValue variance, float epsilon)
    {
        var x = Padding.SpatialInput(ctx, node, input);
        var parameters = new[] { ("scale", scale), ("offset", offset), ("mean", mean), ("variance", variance) };
        var names = new List<string> { ctx.InChannelsFirst(ctx.AsDynamic(input, node.Name + "/input")).OnnxName };
        foreach (var (role, value) in parameters)
        {
            if (value.Rank != 1 || value.Shape[0] != x[3])
            {
                throw ctx.Fail(node, $"{role} has shape [{string.Join(",", value.Shape)}], expected [{x[3]}]");
            }

            names.Add(ctx.AsDynamic(value, $"{node.Name}/{role}").OnnxName);
        }

        var output = ctx.Onnx.Add("BatchNormalization", node.Name, names, Float("epsilon", epsilon));
        return new DynamicValue(output, x, DataType.DtFloat, Layout.ChannelsFirst);
    }
}
