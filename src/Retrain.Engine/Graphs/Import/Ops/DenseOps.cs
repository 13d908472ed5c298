using Retrain.Protos.TensorFlow;
using static Retrain.Graphs.Import.OnnxGraphBuilder;

namespace Retrain.Graphs.Import.Ops;

/// <summary>TF MatMul and Softmax, the classifier head retrain.py appends (final_training_ops, final_result).</summary>
internal static class DenseOps
{
    /// <summary>TF MatMul on 2-D operands with transpose_a/transpose_b; constant operands are transposed at import time.</summary>
    public static TfValue MatMul(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw ctx.Fail(node, $"operands of shape [{string.Join(",", a.Shape)}] and [{string.Join(",", b.Shape)}] are not both 2-D");
        }

        var transposeA = node.Bool("transpose_a", false);
        var transposeB = node.Bool("transpose_b", false);
        if ((transposeA && a.Shape[0] == TfValue.BatchDim) || (!transposeB && b.Shape[0] == TfValue.BatchDim) ||
            (transposeB && b.Shape[1] == TfValue.BatchDim))
        {
            ctx.RequireFixedBatch(node, "the batch dimension would be contracted or moved");
        }

        var left = Operand(ctx, node, a, transposeA, "a");
        var right = Operand(ctx, node, b, transposeB, "b");
        var (m, k) = transposeA ? (a.Shape[1], a.Shape[0]) : (a.Shape[0], a.Shape[1]);
        var (k2, n) = transposeB ? (b.Shape[1], b.Shape[0]) : (b.Shape[0], b.Shape[1]);
        if (k != k2)
        {
            throw ctx.Fail(node, $"inner dimensions differ ({k} vs {k2})");
        }

        var output = ctx.Onnx.Add("MatMul", node.Name, [left, right]);
        return new DynamicValue(output, [m, n], DataType.DtFloat, Layout.AsTensorFlow);
    }

    /// <summary>TF Softmax normalizes over the last dimension, as ONNX Softmax does from opset 13 with axis=-1.</summary>
    public static TfValue Softmax(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.InTensorFlowLayout(ctx.AsDynamic(inputs[0], node.Name + "/input"));
        var output = ctx.Onnx.Add(node.Op == "LogSoftmax" ? "LogSoftmax" : "Softmax", node.Name, [x.OnnxName], Int("axis", -1));
        return new DynamicValue(output, x.Shape, x.Type, Layout.AsTensorFlow);
    }

    private static string Operand(ImportContext ctx, NodeDef node, TfValue value, bool transpose, string role)
    {
        if (value is ConstValue constant)
        {
            var tensor = transpose ? constant.Tensor.Transpose([1, 0]) : constant.Tensor;
            return ctx.AddInitializer($"{node.Name}/{role}", tensor);
        }

        var dynamic = ctx.InTensorFlowLayout((DynamicValue)value);
        return transpose
            ? ctx.Onnx.Add("Transpose", $"{node.Name}/{role}_t", [dynamic.OnnxName], Ints("perm", [1, 0]))
            : dynamic.OnnxName;
    }
}
