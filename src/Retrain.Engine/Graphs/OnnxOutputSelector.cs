using Google.Protobuf;
using Retrain.Errors;
using Retrain.Protos.Onnx;

namespace Retrain.Graphs;

/// <summary>
/// Makes the value that <c>--bottleneck_layer</c> (retrain) or <c>--output_layer</c> (label-image) names the one
/// output of an ONNX model, as those flags cut a GraphDef: one output of a model that has several, or a value inside
/// it (an ImageNet classifier's pooled features, to use it as a backbone). What the value no longer needs is dropped,
/// so a classifier composed from the cut model carries no dead head. ONNX Runtime infers the new output's shape.
/// </summary>
internal static class OnnxOutputSelector
{
    /// <summary>
    /// The model with <paramref name="outputName"/> as its only output; the same bytes when no name is given or the
    /// model already has exactly that output. Throws <see cref="RetrainException"/> (BadModel) when no node computes it.
    /// </summary>
    public static byte[] Select(byte[] bytes, string? outputName, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (outputName is null)
        {
            return bytes;
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return bytes; // not readable as ONNX: ONNX Runtime's load reports it with the file named
        }

        var graph = model.Graph ?? new GraphProto();
        if (graph.Output.Count == 1 && graph.Output[0].Name == outputName)
        {
            return bytes;
        }

        var declared = graph.Output.FirstOrDefault(o => o.Name == outputName);
        if (declared is null && !graph.Node.Any(n => n.Output.Contains(outputName)))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"ONNX model '{path}' has no value named '{outputName}': no node computes it (its outputs: " +
                $"{string.Join(", ", graph.Output.Select(o => $"'{o.Name}'"))}). Fix {Flags.BottleneckLayer} (retrain) or {Flags.OutputLayer} " +
                "(label-image), or leave it out to use the model's one output.");
        }

        // A value inside the graph takes its declared type when the file records one. Otherwise it is declared by name
        // alone and ONNX Runtime infers type and shape: a type guessed here would turn an int64 value into ONNX
        // Runtime's load error rather than the runner's "must be float32" one.
        var output = declared ?? graph.ValueInfo.FirstOrDefault(v => v.Name == outputName)?.Clone() ?? new ValueInfoProto { Name = outputName };
        graph.Output.Clear();
        graph.Output.Add(output);
        DropWhatIsNotNeeded(graph, outputName);
        return model.ToByteArray();
    }

    // Keeps the nodes the output depends on, in their order, and the initializers (dense or sparse) and inputs they read.
    private static void DropWhatIsNotNeeded(GraphProto graph, string outputName)
    {
        // A subgraph (If, Loop, Scan) may read outer values by name without listing them as inputs: keep everything.
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
        {
            return;
        }

        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var value in node.Output)
            {
                producer[value] = node;
            }
        }

        var needed = new HashSet<string>(StringComparer.Ordinal) { outputName };
        var kept = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>([outputName]);
        while (pending.TryPop(out var value))
        {
            if (!producer.TryGetValue(value, out var node) || !kept.Add(node))
            {
                continue;
            }

            foreach (var input in node.Input.Where(i => i.Length > 0 && needed.Add(i)))
            {
                pending.Push(input);
            }
        }

        var nodes = graph.Node.Where(kept.Contains).ToList();
        var initializers = graph.Initializer.Where(i => needed.Contains(i.Name)).ToList();
        var sparse = graph.SparseInitializer.Where(i => needed.Contains(i.Values?.Name ?? string.Empty)).ToList();
        var inputs = graph.Input.Where(i => needed.Contains(i.Name)).ToList();
        var valueInfo = graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        graph.SparseInitializer.Clear();
        graph.SparseInitializer.AddRange(sparse);
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(valueInfo);
    }
}
