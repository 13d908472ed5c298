using Retrain.Graphs.Import.Ops;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>The TF ops the importer understands, by op name, with the number of data inputs each needs at least.</summary>
internal static class OpTranslators
{
    private static readonly Dictionary<string, (OpTranslator Translate, int MinInputs)> Table = Build();

    public static IEnumerable<string> SupportedOps => Table.Keys.Append("Const").Append("Placeholder").Order(StringComparer.Ordinal);

    public static bool TryGet(string op, out OpTranslator translate, out int minInputs)
    {
        if (Table.TryGetValue(op, out var entry))
        {
            (translate, minInputs) = entry;
            return true;
        }

        translate = null!;
        minInputs = 0;
        return false;
    }

    private static Dictionary<string, (OpTranslator, int)> Build()
    {
        var table = new Dictionary<string, (OpTranslator, int)>(StringComparer.Ordinal)
        {
            ["Identity"] = (ShapeOps.PassThrough, 1),
            ["Snapshot"] = (ShapeOps.PassThrough, 1),
            ["StopGradient"] = (ShapeOps.PassThrough, 1),
            ["PlaceholderWithDefault"] = (ShapeOps.PassThrough, 1),
            ["Reshape"] = (ShapeOps.Reshape, 2),
            ["Squeeze"] = (ShapeOps.Squeeze, 1),
            ["ExpandDims"] = (ShapeOps.ExpandDims, 2),
            ["Cast"] = (ShapeOps.Cast, 1),
            ["Shape"] = (ShapeOps.Shape, 1),
            ["ConcatV2"] = (ShapeOps.ConcatV2, 2),
            ["Concat"] = (ShapeOps.LegacyConcat, 2),
            ["Conv2D"] = (ConvolutionOps.Conv2D, 2),
            ["DepthwiseConv2dNative"] = (ConvolutionOps.DepthwiseConv2dNative, 2),
            ["MaxPool"] = (PoolingOps.MaxPool, 1),
            ["AvgPool"] = (PoolingOps.AvgPool, 1),
            ["FusedBatchNorm"] = (NormalizationOps.FusedBatchNorm, 5),
            ["FusedBatchNormV2"] = (NormalizationOps.FusedBatchNorm, 5),
            ["FusedBatchNormV3"] = (NormalizationOps.FusedBatchNorm, 5),
            ["BatchNormWithGlobalNormalization"] = (NormalizationOps.BatchNormWithGlobalNormalization, 5),
            ["Mean"] = (ReductionOps.Mean, 2),
            ["MatMul"] = (DenseOps.MatMul, 2),
            ["Softmax"] = (DenseOps.Softmax, 1),
            ["LogSoftmax"] = (DenseOps.Softmax, 1),
            ["Relu6"] = (ElementwiseOps.Relu6, 1),
            ["Rsqrt"] = (ElementwiseOps.Rsqrt, 1),
            ["Square"] = (ElementwiseOps.Square, 1),
            ["Dequantize"] = (DequantizeOfRuntimeValue, 3),
        };
        foreach (var op in ElementwiseOps.BinaryOpNames)
        {
            table[op] = (ElementwiseOps.Binary, 2);
        }

        foreach (var op in ElementwiseOps.UnaryOpNames)
        {
            table[op] = (ElementwiseOps.Unary, 1);
        }

        return table;
    }

    /// <summary>Dequantize is folded when its inputs are constants (quantized weights); activations are not supported.</summary>
    private static TfValue DequantizeOfRuntimeValue(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs) =>
        throw ctx.Fail(node, "only Dequantize of constant (weight) tensors is supported, not of values computed from the input");
}
