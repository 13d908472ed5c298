using Retrain.Graphs.Import.Folding;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import.Ops;

/// <summary>
/// TF's element-wise ops. They work in whatever layout their input arrives in, so a Conv -> Mul -> Add -> Relu6
/// chain stays channels-first; constant operands are permuted to match at import time instead.
/// </summary>
internal static class ElementwiseOps
{
    private static readonly Dictionary<string, string> BinaryOps = new(StringComparer.Ordinal)
    {
        ["Add"] = "Add",
        ["AddV2"] = "Add",
        ["BiasAdd"] = "Add",
        ["Sub"] = "Sub",
        ["Mul"] = "Mul",
        ["RealDiv"] = "Div",
        ["Maximum"] = "Max",
        ["Minimum"] = "Min",
    };

    private static readonly Dictionary<string, string> UnaryOps = new(StringComparer.Ordinal)
    {
        ["Relu"] = "Relu",
        ["Sqrt"] = "Sqrt",
        ["Sigmoid"] = "Sigmoid",
        ["Tanh"] = "Tanh",
        ["Neg"] = "Neg",
        ["Exp"] = "Exp",
        ["Reciprocal"] = "Reciprocal",
    };

    public static IEnumerable<string> BinaryOpNames => BinaryOps.Keys;

    public static IEnumerable<string> UnaryOpNames => UnaryOps.Keys;

    public static TfValue Binary(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (node.Op == "BiasAdd")
        {
            Padding.RequireNhwc(ctx, node);
            if (b.Rank != 1 || a.Rank < 1 || b.Shape[0] != a.Shape[^1])
            {
                throw ctx.Fail(node, $"bias of shape [{string.Join(",", b.Shape)}] does not match the last dimension of [{string.Join(",", a.Shape)}]");
            }
        }

        var shape = Broadcasting.Shape(a.Shape, b.Shape,
                () => ctx.RequireFixedBatch(node, "an operand has a fixed batch size"))
            ?? throw ctx.Fail(node, $"shapes [{string.Join(",", a.Shape)}] and [{string.Join(",", b.Shape)}] do not broadcast");

        // Stay channels-first when a 4-D operand already is and nothing forces NHWC.
        var channelsFirst = shape.Length == 4 &&
            inputs.Any(static v => v is DynamicValue { Layout: Layout.ChannelsFirst }) &&
            inputs.All(static v => v is ConstValue || v.Rank == 4);
        var names = new string[2];
        for (var i = 0; i < 2; i++)
        {
            names[i] = Operand(ctx, node, inputs[i], channelsFirst, i);
        }

        var output = ctx.Onnx.Add(BinaryOps[node.Op], node.Name, names);
        return new DynamicValue(output, shape, a.Type, channelsFirst ? Layout.ChannelsFirst : Layout.AsTensorFlow);
    }

    public static TfValue Unary(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var output = ctx.Onnx.Add(UnaryOps[node.Op], node.Name, [x.OnnxName]);
        return Like(x, output);
    }

    /// <summary>TF Relu6 = min(max(x, 0), 6), i.e. ONNX Clip with bounds 0 and 6.</summary>
    public static TfValue Relu6(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var output = ctx.Onnx.Add("Clip", node.Name,
            [x.OnnxName, ctx.FloatScalar(node.Name + "/min", 0f), ctx.FloatScalar(node.Name + "/max", 6f)]);
        return Like(x, output);
    }

    /// <summary>TF Rsqrt = 1/sqrt(x); ONNX has no single op for it.</summary>
    public static TfValue Rsqrt(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        var root = ctx.Onnx.Add("Sqrt", node.Name + "/sqrt", [x.OnnxName]);
        var output = ctx.Onnx.Add("Reciprocal", node.Name, [root]);
        return Like(x, output);
    }

    /// <summary>TF Square = x*x.</summary>
    public static TfValue Square(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs)
    {
        var x = ctx.AsDynamic(inputs[0], node.Name + "/input");
        return Like(x, ctx.Onnx.Add("Mul", node.Name, [x.OnnxName, x.OnnxName]));
    }

    private static DynamicValue Like(DynamicValue x, string output) => new(output, x.Shape, x.Type, x.Layout);

    private static string Operand(ImportContext ctx, NodeDef node, TfValue value, bool channelsFirst, int index)
    {
        if (value is DynamicValue dynamic)
        {
            return (channelsFirst ? ctx.InChannelsFirst(dynamic) : ctx.InTensorFlowLayout(dynamic)).OnnxName;
        }

        var tensor = ((ConstValue)value).Tensor;
        if (channelsFirst)
        {
            // Broadcast against NHWC first (leading 1s), then permute: a per-channel [C] becomes [1,C,1,1].
            var padded = Enumerable.Repeat(1L, 4 - tensor.Shape.Length).Concat(tensor.Shape).ToArray();
            tensor = tensor.WithShape(padded).Transpose(LayoutMath.ToChannelsFirstPerm);
        }

        return ctx.AddInitializer($"{node.Name}/operand{index}", tensor);
    }
}
