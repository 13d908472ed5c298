using Retrain.Errors;
using Retrain.Graphs.Import;
using Retrain.Images;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>
/// Translates a frozen TensorFlow GraphDef into an ONNX model that ONNX Runtime runs with TF's numerics: NHWC at
/// the boundaries, TF's SAME padding and AvgPool divisors, inference-mode batch norms, constant subgraphs folded.
/// </summary>
internal static class GraphImporter
{
    /// <summary>
    /// Translates the part of <paramref name="graph"/> that computes <paramref name="outputNode"/> from
    /// <paramref name="inputNode"/>. The input node (a Placeholder, or any node, e.g. the <c>Mul</c> at the end of
    /// the 2015 Inception's JPEG-decoding prefix) becomes the ONNX graph input; only nodes on the path are translated.
    /// </summary>
    /// <param name="inputShape">
    /// The input's shape in TF (NHWC) order, needed when the input node declares none (Sub/Mul/... have no shape
    /// attr, and "_output_shapes" is not always present); it also overrides a declared shape's unknown dimensions.
    /// Dimension 0 may be -1. Null: use the node's declared shape.
    /// </param>
    /// <param name="graphSource">Where the graph came from (e.g. its file path), used in error messages.</param>
    /// <remarks>
    /// The ONNX batch dimension is made symbolic ("batch") whenever the graph allows it, even when the graph fixes it
    /// to 1 as the MobileNet graphs do; <see cref="ImportedGraph.BatchIsDynamic"/> tells which happened.
    /// Failures throw <see cref="RetrainException"/> with <see cref="ExitCode.BadModel"/>.
    /// </remarks>
    public static ImportedGraph Import(GraphDef graph, string inputNode, string outputNode, long[]? inputShape = null, string? graphSource = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(inputNode);
        ArgumentNullException.ThrowIfNull(outputNode);
        var source = graphSource is null ? "the graph" : $"graph '{graphSource}'";
        var nodes = IndexByName(graph, source);
        var input = Resolve(nodes, inputNode, "Input", source);
        var output = Resolve(nodes, outputNode, "Output", source);
        var shape = InputShape(nodes[input], inputShape, source);

        var translator = new GraphTranslator(nodes, source);
        if (shape.Length > 0 && shape[0] is 1 or -1)
        {
            try
            {
                return translator.Translate(input, output, shape, symbolicBatch: true);
            }
            catch (BatchRelaxationException)
            {
                // The graph depends on its batch size somewhere: fall back to the size it was built for.
            }
        }

        if (shape.Length > 0 && shape[0] == -1)
        {
            shape[0] = 1;
        }

        return translator.Translate(input, output, shape, symbolicBatch: false);
    }

    /// <summary>Loads the GraphDef at <paramref name="path"/> and imports it; errors name the file.</summary>
    public static ImportedGraph ImportFile(string path, string inputNode, string outputNode, long[]? inputShape = null) =>
        Import(GraphDefFile.Load(path), inputNode, outputNode, inputShape, path);

    /// <summary>
    /// The nodes by name. Two nodes of one name are refused, as TensorFlow refuses them: keeping either would translate
    /// a graph other than the one the user meant (graphs that reach here without <see cref="GraphDefFile.Load"/>'s check,
    /// such as inlined SavedModel functions or a graph handed in memory, must not slip past it).
    /// </summary>
    private static Dictionary<string, NodeDef> IndexByName(GraphDef graph, string source)
    {
        var nodes = new Dictionary<string, NodeDef>(graph.Node.Count, StringComparer.Ordinal);
        var positions = new Dictionary<string, int>(graph.Node.Count, StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!positions.TryAdd(node.Name, i))
            {
                throw new RetrainException(
                    ExitCode.BadModel,
                    $"Node name '{node.Name}' appears twice in {source} (nodes #{positions[node.Name]} and #{i}); node names must be " +
                    "unique, and TensorFlow refuses such a graph too. The graph was edited or merged by a tool that does not check " +
                    "names: re-export it from TensorFlow, or remove one of the two nodes.");
            }

            nodes.Add(node.Name, node);
        }

        return nodes;
    }

    private static string Resolve(Dictionary<string, NodeDef> nodes, string tensorName, string role, string source)
    {
        var (name, index) = NodeNames.Parse(tensorName);
        if (!nodes.ContainsKey(name))
        {
            var closest = NodeNames.Closest(name, nodes.Keys);
            throw new RetrainException(ExitCode.BadModel,
                $"{role} node '{name}' not found in {source}. Closest names: {string.Join(", ", closest)}. " +
                $"Pass one of the graph's node names (it has {nodes.Count} nodes).");
        }

        if (index != 0)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"{role} '{tensorName}' in {source} names output {index} of node '{name}'; only output 0 is supported. Use '{name}'.");
        }

        return name;
    }

    private static long[] InputShape(NodeDef node, long[]? given, string source)
    {
        var type = node.Type("dtype") ?? node.Type("T");
        if (type is not null and not DataType.DtFloat)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"Input node '{node.Name}' (op {node.Op}) in {source} has type {type}; only float32 inputs are supported. " +
                "Choose an input node downstream of the image decoding (e.g. after its Cast to float).");
        }

        var declared = node.DeclaredShape();
        var where = $"Input node '{node.Name}' (op {node.Op}) in {source}";
        if (given is not null)
        {
            if (declared is not null && !Compatible(declared, given))
            {
                throw new RetrainException(ExitCode.BadModel,
                    $"{where} has shape [{Dims(declared)}], which does not match the given input shape [{Dims(given)}].");
            }

            declared = (long[])given.Clone();
        }

        if (declared is null)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"{where} declares no shape; pass the input shape (e.g. [1,299,299,3]) to the importer.");
        }

        if (declared.Length == 0 || declared.Skip(1).Any(static d => d <= 0))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"{where} has shape [{Dims(declared)}] with unknown dimensions besides the batch; pass the full input shape to the importer.");
        }

        if (!ImageInputLimit.Fits(declared.AsSpan(1)))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"{where} has shape [{Dims(declared)}], more per image than retrain feeds ({ImageInputLimit.Describe}). " +
                $"The graph is damaged or its input is not an image: check {Flags.InputLayer}, {Flags.InputHeight} and {Flags.InputWidth}, or re-export the graph.");
        }

        return declared;
    }

    private static bool Compatible(long[] declared, long[] given) =>
        declared.Length == given.Length &&
        declared.Zip(given).All(static p => p.First < 0 || p.Second < 0 || p.First == p.Second);

    private static string Dims(long[] shape) => string.Join(",", shape);
}
