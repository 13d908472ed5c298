using Retrain.Graphs;
using Retrain.Protos.TensorFlow;

namespace Retrain.Benchmarks;

/// <summary>
/// Multiply-accumulates per image counted from a GraphDef: Conv2D, DepthwiseConv2dNative and MatMul on the path from
/// the input to the bottleneck, with shapes propagated from the input (batch 1) through the ops these backbones use.
/// FLOPs = 2 x MACs; everything else (batch norm, pooling, activations) is left out, as FLOP counts usually do.
/// </summary>
internal sealed class GraphFlops
{
    private readonly Dictionary<string, NodeDef> _nodes;
    private readonly Dictionary<string, long[]?> _shapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unknownOps = new(StringComparer.Ordinal);
    private long _macs;

    private GraphFlops(GraphDef graph)
    {
        _nodes = new Dictionary<string, NodeDef>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
        {
            _nodes.TryAdd(n.Name, n);
        }
    }

    /// <summary>MACs of one image and the ops whose output shape could not be worked out (empty when the count is complete).</summary>
    public static (long Macs, IReadOnlyCollection<string> UnknownOps) Count(GraphDef graph, string input, string output, int height, int width)
    {
        var counter = new GraphFlops(graph);
        counter._shapes[input] = [1, height, width, 3];
        counter.ShapeOf(output);
        return (counter._macs, counter._unknownOps);
    }

    private long[]? ShapeOf(string tensor)
    {
        var name = NodeNames.Parse(tensor).Node;
        if (_shapes.TryGetValue(name, out var known))
        {
            return known;
        }

        _shapes[name] = null; // guards against cycles
        var node = _nodes[name];
        var inputs = node.Input.Where(i => !NodeNames.IsControlInput(i)).ToList();
        var shape = Infer(node, inputs);
        if (shape is null)
        {
            _unknownOps.Add(node.Op);
        }

        _shapes[name] = shape;
        return shape;
    }

    private long[]? Infer(NodeDef node, List<string> inputs)
    {
        switch (node.Op)
        {
            case "Const":
                return TensorProtos.Shape(node.Attr["value"].Tensor);
            case "Identity" or "Relu" or "Relu6" or "Softmax" or "Sigmoid" or "Tanh" or "Rsqrt" or "Sqrt" or "Reciprocal"
                or "Neg" or "Exp" or "BiasAdd" or "FusedBatchNorm"
                or "FusedBatchNormV2" or "FusedBatchNormV3" or "BatchNormWithGlobalNormalization" or "LRN":
                return ShapeOf(inputs[0]);
            case "Add" or "AddV2" or "Sub" or "Mul" or "RealDiv" or "Maximum" or "Minimum":
                return Broadcast(ShapeOf(inputs[0]), ShapeOf(inputs[1]));
            case "Conv2D":
            {
                var (x, f) = (ShapeOf(inputs[0]), ShapeOf(inputs[1]));
                var y = Window(node, x, f?[0], f?[1], f?[3]);
                _macs += y is null ? 0 : y[0] * y[1] * y[2] * y[3] * f![0] * f[1] * f[2];
                return y;
            }

            case "DepthwiseConv2dNative":
            {
                var (x, f) = (ShapeOf(inputs[0]), ShapeOf(inputs[1]));
                var y = Window(node, x, f?[0], f?[1], f is null ? null : f[2] * f[3]);
                _macs += y is null ? 0 : y[0] * y[1] * y[2] * y[3] * f![0] * f[1];
                return y;
            }

            case "MaxPool" or "AvgPool":
            {
                var x = ShapeOf(inputs[0]);
                var k = node.Attr["ksize"].List.I;
                return Window(node, x, k[1], k[2], x?[3]);
            }

            case "MatMul":
            {
                var (a, b) = (ShapeOf(inputs[0]), ShapeOf(inputs[1]));
                if (a is null || b is null)
                {
                    return null;
                }

                var (m, k) = Attr(node, "transpose_a") ? (a[1], a[0]) : (a[0], a[1]);
                var n = Attr(node, "transpose_b") ? b[0] : b[1];
                _macs += m * k * n;
                return [m, n];
            }

            case "ConcatV2":
            {
                var axis = Ints(inputs[^1])?[0];
                var parts = inputs[..^1].Select(ShapeOf).ToList();
                if (axis is null || parts.Any(p => p is null))
                {
                    return null;
                }

                var result = (long[])parts[0]!.Clone();
                var a = axis.Value < 0 ? axis.Value + result.Length : axis.Value;
                result[a] = parts.Sum(p => p![a]);
                return result;
            }

            case "Mean":
            {
                var x = ShapeOf(inputs[0]);
                var axes = Ints(inputs[1]);
                if (x is null || axes is null)
                {
                    return null;
                }

                var reduced = axes.Select(a => a < 0 ? a + x.Length : a).ToHashSet();
                var keep = Attr(node, "keep_dims");
                return [.. x.Select((d, i) => (d, i)).Where(p => keep || !reduced.Contains(p.i)).Select(p => reduced.Contains(p.i) ? 1 : p.d)];
            }

            case "Squeeze":
            {
                var x = ShapeOf(inputs[0]);
                var dims = node.Attr.TryGetValue("squeeze_dims", out var s) ? s.List.I.Select(d => d < 0 ? d + (x?.Length ?? 0) : d).ToHashSet() : [];
                return x is null ? null : [.. x.Where((d, i) => dims.Count == 0 ? d != 1 : !dims.Contains(i))];
            }

            case "Reshape":
            {
                var x = ShapeOf(inputs[0]);
                var target = Ints(inputs[1]);
                if (x is null || target is null)
                {
                    return null;
                }

                var total = x.Aggregate(1L, (p, d) => p * d);
                var knownPart = target.Where(d => d >= 0).Aggregate(1L, (p, d) => p * d);
                return [.. target.Select(d => d < 0 ? total / knownPart : d)];
            }

            default:
                return null;
        }
    }

    /// <summary>Output shape of a sliding window (conv or pool) in NHWC, by TF's SAME/VALID rules.</summary>
    private static long[]? Window(NodeDef node, long[]? x, long? kh, long? kw, long? channels)
    {
        if (x is null || kh is null || kw is null || channels is null)
        {
            return null;
        }

        var strides = node.Attr["strides"].List.I;
        var dilations = node.Attr.TryGetValue("dilations", out var d) && d.List.I.Count == 4 ? d.List.I : null;
        var (dh, dw) = dilations is null ? (1L, 1L) : (dilations[1], dilations[2]);
        var same = node.Attr["padding"].S.ToStringUtf8() == "SAME";
        long Out(long size, long k, long stride, long dilation) =>
            same ? (size + stride - 1) / stride : ((size - (((k - 1) * dilation) + 1)) / stride) + 1;
        return [x[0], Out(x[1], kh.Value, strides[1], dh), Out(x[2], kw.Value, strides[2], dw), channels.Value];
    }

    private static long[]? Broadcast(long[]? a, long[]? b)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }

        var rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            result[i] = Math.Max(da, db);
        }

        return result;
    }

    private long[]? Ints(string tensor)
    {
        var node = _nodes[NodeNames.Parse(tensor).Node];
        return node.Op == "Const" ? TensorProtos.ToLongs(node.Attr["value"].Tensor) : null;
    }

    private static bool Attr(NodeDef node, string name) => node.Attr.TryGetValue(name, out var v) && v.B;
}
