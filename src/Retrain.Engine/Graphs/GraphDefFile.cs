using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>Reads and writes frozen TensorFlow GraphDef files (the binary .pb that retrain.py reads and writes).</summary>
internal static class GraphDefFile
{
    /// <summary>
    /// Parses the binary GraphDef at <paramref name="path"/>. Throws <see cref="RetrainException"/> with
    /// <see cref="ExitCode.BadModel"/>, naming the file, when it is missing, unreadable or not a GraphDef.
    /// </summary>
    public static GraphDef Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(InputFile.ReadAllBytes(path, ModelFileRole), path);
    }

    /// <summary>
    /// Who reads a model file (the backbone, a classifier, a SavedModel's saved_model.pb), for the message when it
    /// cannot be read.
    /// </summary>
    internal static InputRole ModelFileRole { get; } = new(
        "model file",
        ExitCode.BadModel,
        $"Check the path given with {Flags.TfhubModule} (retrain) or {Flags.Graph} (label-image): it must name a readable frozen TensorFlow graph (.pb) or ONNX model (.onnx), not a pipe or device.");

    /// <summary>Parses GraphDef bytes read from <paramref name="path"/>, refused as <see cref="Load"/> refuses them.</summary>
    internal static GraphDef Parse(byte[] bytes, string path)
    {
        GraphDef graph;
        try
        {
            graph = GraphDef.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotAGraph(path, $"it is not a valid GraphDef protobuf ({e.Message})", e);
        }

        if (graph.Node.Count == 0)
        {
            throw NotAGraph(path, "it contains no nodes", null);
        }

        CheckNodes(graph, path);
        return graph;
    }

    /// <summary>
    /// Refuses a graph whose nodes TensorFlow itself would refuse: a node without a name or op, or two nodes of one
    /// name (every lookup by name would pick one of them, and the graph retrain writes from it would hold both).
    /// </summary>
    internal static void CheckNodes(GraphDef graph, string path)
    {
        var seen = new Dictionary<string, int>(graph.Node.Count, StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            // Random bytes occasionally parse as a protobuf; real nodes always have a name and an op.
            var node = graph.Node[i];
            if (string.IsNullOrEmpty(node.Name) || string.IsNullOrEmpty(node.Op))
            {
                throw NotAGraph(path, $"node #{i} has no name or no op", null);
            }

            if (!seen.TryAdd(node.Name, i))
            {
                throw new RetrainException(
                    ExitCode.BadModel,
                    $"Model file '{path}' has two nodes named '{node.Name}' (#{seen[node.Name]} and #{i}); node names must be " +
                    "unique, and TensorFlow refuses such a graph too. The file was edited or merged by a tool that does not " +
                    "check names: re-export the graph from TensorFlow, or remove one of the two nodes.");
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="graph"/> atomically: a temporary file beside <paramref name="path"/> is written,
    /// flushed to disk and renamed over it, so readers never see a half-written graph. I/O failures throw
    /// <see cref="RetrainException"/> with <see cref="ExitCode.IoError"/>.
    /// </summary>
    public static void Save(GraphDef graph, string path)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, graph, static (stream, g) => g.WriteTo(stream));
    }

    private static RetrainException NotAGraph(string path, string why, Exception? inner)
    {
        var message =
            $"Model file '{path}' is not a TensorFlow GraphDef: {why}. The file may be truncated or in another format " +
            "(for a SavedModel, give its folder rather than saved_model.pb; a bare checkpoint is not supported: freeze the graph to a .pb first).";
        return inner is null
            ? new RetrainException(ExitCode.BadModel, message)
            : new RetrainException(ExitCode.BadModel, message, inner);
    }
}
