using System.Runtime.InteropServices;
using Retrain.Protos.Onnx;

namespace Retrain.Inference.Segments;

/// <summary>Who produces and who consumes each value of an ONNX graph, and its constant initializers.</summary>
internal sealed class GraphIndex
{
    private readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _consumers = new(StringComparer.Ordinal);

    public GraphIndex(GraphProto graph)
    {
        Graph = graph;
        Initializers = graph.Initializer.GroupBy(static i => i.Name, StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => g.Last(), StringComparer.Ordinal);
        Inputs = graph.Input.Where(i => !Initializers.ContainsKey(i.Name)).ToList();
        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var output in graph.Node[i].Output.Where(static o => o.Length > 0))
            {
                _producer[output] = i;
            }

            foreach (var input in graph.Node[i].Input.Where(static o => o.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(i);
            }
        }
    }

    public GraphProto Graph { get; }

    public IReadOnlyDictionary<string, TensorProto> Initializers { get; }

    /// <summary>The graph's inputs that are not initializers (old ONNX files list initializers as inputs too).</summary>
    public IReadOnlyList<ValueInfoProto> Inputs { get; }

    public NodeProto Node(int index) => Graph.Node[index];

    /// <summary>The index of the node that computes <paramref name="value"/>, or -1 for graph inputs and initializers.</summary>
    public int Producer(string value) => _producer.TryGetValue(value, out var index) ? index : -1;

    public IReadOnlyList<int> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>Every node <paramref name="value"/> depends on, itself computed or not.</summary>
    public HashSet<int> Ancestors(string value)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        var first = Producer(value);
        if (first >= 0)
        {
            stack.Push(first);
        }

        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (!seen.Add(node))
            {
                continue;
            }

            foreach (var input in Node(node).Input)
            {
                var producer = input.Length == 0 ? -1 : Producer(input);
                if (producer >= 0)
                {
                    stack.Push(producer);
                }
            }
        }

        return seen;
    }

    /// <summary>A float initializer's values (raw or typed storage), or null for anything else.</summary>
    public float[]? FloatConstant(string name)
    {
        // Externally stored data (not in this project's trimmed onnx.proto) leaves both fields empty: the counts differ.
        if (!Initializers.TryGetValue(name, out var tensor) || tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            return null;
        }

        var count = tensor.Dims.Aggregate(1L, static (a, d) => a * d);
        if (tensor.RawData.Length > 0)
        {
            return tensor.RawData.Length == count * sizeof(float) ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : null;
        }

        return tensor.FloatData.Count == count ? [.. tensor.FloatData] : null;
    }
}
