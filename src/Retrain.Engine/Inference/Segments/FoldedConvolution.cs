using Retrain.Inference.Kernels;
using Retrain.Protos.Onnx;

namespace Retrain.Inference.Segments;

/// <summary>
/// A 3x3 stride-1 ONNX Conv together with the per-channel constant ops and the ReLU that follow it (the
/// BatchNormalization, Add and Mul a TensorFlow import leaves behind), folded into one set of weights and biases the
/// way ONNX Runtime's own Conv fusions fold them.
/// </summary>
/// <param name="Input">The value the Conv reads.</param>
/// <param name="Output">The value the last folded node writes.</param>
/// <param name="Nodes">Indices of the Conv and the nodes folded into it, in graph order.</param>
internal sealed record FoldedConvolution(
    string Input,
    string Output,
    IReadOnlyList<int> Nodes,
    float[] Weights,
    float[] Bias,
    int OutChannels,
    int InChannels,
    Pads Pads,
    bool Relu)
{
    /// <summary>The folded convolution starting at node <paramref name="conv"/>, or null when it is not one the kernel runs.</summary>
    public static FoldedConvolution? TryMatch(GraphIndex graph, int conv)
    {
        var node = graph.Node(conv);
        if (node.OpType != "Conv" || node.Domain.Length > 0 || node.Input.Count < 2 || node.Output.Count != 1 ||
            graph.Initializers.ContainsKey(node.Input[0]) || !graph.Initializers.TryGetValue(node.Input[1], out var w) ||
            w.Dims.Count != 4 || w.Dims[2] != 3 || w.Dims[3] != 3 ||
            !WinogradConv3x3.Supports((int)Math.Min(w.Dims[1], int.MaxValue), (int)Math.Min(w.Dims[0], int.MaxValue)) ||
            Attribute(node, "group", 1) != 1 || !Ones(node, "strides") || !Ones(node, "dilations") ||
            PadsOf(node) is not { } pads || graph.FloatConstant(node.Input[1]) is not { } weights)
        {
            return null;
        }

        var outChannels = (int)w.Dims[0];
        var inChannels = (int)w.Dims[1];
        var bias = new double[outChannels];
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (graph.FloatConstant(node.Input[2]) is not { } b || b.Length != outChannels)
            {
                return null;
            }

            for (var c = 0; c < outChannels; c++)
            {
                bias[c] = b[c];
            }
        }

        // Per-channel scale applied to the weights; folded in double so the fold adds no rounding of its own.
        var scale = Enumerable.Repeat(1.0, outChannels).ToArray();
        List<int> nodes = [conv];
        var output = node.Output[0];
        var relu = false;
        while (!relu && graph.Consumers(output) is [var next] && !IsGraphOutput(graph, output))
        {
            var n = graph.Node(next);
            if (n.Domain.Length > 0 || n.Output.Count != 1 || !Fold(graph, n, output, scale, bias, ref relu))
            {
                break;
            }

            nodes.Add(next);
            output = n.Output[0];
        }

        var folded = new float[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            folded[i] = (float)(weights[i] * scale[i / (inChannels * 9)]);
        }

        return new FoldedConvolution(node.Input[0], output, nodes, folded, bias.Select(static b => (float)b).ToArray(), outChannels, inChannels, pads, relu);
    }

    private static bool Fold(GraphIndex graph, NodeProto n, string value, double[] scale, double[] bias, ref bool relu)
    {
        switch (n.OpType)
        {
            case "Relu" when n.Input.Count == 1:
                relu = true;
                return true;
            case "BatchNormalization" when n.Input.Count == 5 && n.Input[0] == value && Attribute(n, "training_mode", 0) == 0:
                var epsilon = n.Attribute.FirstOrDefault(static a => a.Name == "epsilon")?.F ?? 1e-5f;
                var parameters = n.Input.Skip(1).Select(graph.FloatConstant).ToArray();
                if (parameters.Any(p => p is null || p.Length != scale.Length))
                {
                    return false;
                }

                for (var c = 0; c < scale.Length; c++)
                {
                    var s = parameters[0]![c] / Math.Sqrt(parameters[3]![c] + (double)epsilon);
                    scale[c] *= s;
                    bias[c] = ((bias[c] - parameters[2]![c]) * s) + parameters[1]![c];
                }

                return true;
            case "Add" or "Mul" when n.Input.Count == 2:
                var other = n.Input[0] == value ? n.Input[1] : n.Input[0];
                if (n.Input[0] != value && n.Input[1] != value || PerChannel(graph, other, scale.Length) is not { } constant)
                {
                    return false;
                }

                for (var c = 0; c < scale.Length; c++)
                {
                    if (n.OpType == "Add")
                    {
                        bias[c] += constant[c];
                    }
                    else
                    {
                        scale[c] *= constant[c];
                        bias[c] *= constant[c];
                    }
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>A constant that broadcasts per channel against [N, C, H, W]: a scalar, [C,1,1] or [1,C,1,1].</summary>
    private static double[]? PerChannel(GraphIndex graph, string name, int channels)
    {
        if (!graph.Initializers.TryGetValue(name, out var tensor) || graph.FloatConstant(name) is not { } values)
        {
            return null;
        }

        var dims = tensor.Dims.ToArray();
        var scalar = values.Length == 1 && dims.Length <= 4;
        var perChannel = values.Length == channels && dims.Length is 3 or 4 && dims[^3] == channels && dims[^1] == 1 && dims[^2] == 1;
        if (!scalar && !perChannel)
        {
            return null;
        }

        return Enumerable.Range(0, channels).Select(c => (double)values[scalar ? 0 : c]).ToArray();
    }

    private static bool IsGraphOutput(GraphIndex graph, string value) => graph.Graph.Output.Any(o => o.Name == value);

    private static long Attribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static bool Ones(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is not { } a || a.Ints.All(static v => v == 1);

    private static Pads? PadsOf(NodeProto node)
    {
        var autoPad = node.Attribute.FirstOrDefault(static a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        switch (autoPad)
        {
            case "VALID":
                return new Pads(0, 0, 0, 0);
            case "SAME_UPPER" or "SAME_LOWER":
                // Stride 1 and a 3-wide filter pad one pixel on every side, whichever side takes the odd one.
                return new Pads(1, 1, 1, 1);
            case "NOTSET":
                var pads = node.Attribute.FirstOrDefault(static a => a.Name == "pads")?.Ints.ToArray() ?? [0, 0, 0, 0];
                return pads.Length == 4 && pads.All(static p => p is >= 0 and <= 2)
                    ? new Pads((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3])
                    : null;
            default:
                return null;
        }
    }
}
