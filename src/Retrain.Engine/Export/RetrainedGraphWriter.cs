using System.Text.Json;
using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Training;

namespace Retrain.Export;

/// <summary>
/// Builds output_graph.pb the way retrain.py's `save_graph_to_file` leaves it after freezing: the backbone's own nodes
/// from the input to the bottleneck (copied verbatim, so quantized weights stay quantized), then retrain.py's
/// `add_final_retrain_ops` layer with its variables turned into constants:
/// <c>input/BottleneckInputPlaceholder</c> (PlaceholderWithDefault on the bottleneck, so the graph can be fed either
/// an image or a cached bottleneck), <c>final_retrain_ops/weights/final_weights</c>,
/// <c>final_retrain_ops/biases/final_biases</c>, <c>final_retrain_ops/Wx_plus_b/MatMul</c>, <c>.../add</c> and the
/// softmax named by --final_tensor_name. One extra disconnected string Const records the preprocessing, so
/// label-image needs no flags for graphs retrain wrote (TensorFlow ignores it).
/// </summary>
internal static class RetrainedGraphWriter
{
    public const string BottleneckInput = RetrainedNodes.BottleneckInput;
    public const string Weights = RetrainedNodes.Weights;
    public const string Biases = RetrainedNodes.Biases;
    public const string MatMul = RetrainedNodes.MatMul;
    public const string Add = RetrainedNodes.Add;

    /// <summary>The names of the nodes retrain adds after the bottleneck, besides --final_tensor_name.</summary>
    public static IReadOnlyList<string> AddedNodes { get; } = [BottleneckInput, Weights, Biases, MatMul, Add, ModelRecognizer.ModelInfoNode];

    /// <summary>
    /// Throws <see cref="RetrainException"/> (BadModel) when a node retrain adds would take the name of a backbone node
    /// it keeps: checked right after the backbone loads, so the run fails before its bottlenecks, not after.
    /// </summary>
    public static void CheckNames(GraphDef backbone, ModelDescription model, string finalTensorName) =>
        CheckNames(BackboneNodes(backbone, model).ToList(), model, finalTensorName);

    private static void CheckNames(List<NodeDef> kept, ModelDescription model, string finalTensorName)
    {
        var names = kept.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var added in AddedNodes.Append(finalTensorName))
        {
            if (names.Contains(added))
            {
                // A --final_tensor_name the backbone uses is the flag's to change, like one of retrain's own names.
                throw new RetrainException(
                    added == finalTensorName ? ExitCode.Usage : ExitCode.BadModel,
                    $"The backbone graph '{model.Path}' already has a node named '{added}' between its input and bottleneck. " +
                    (added == finalTensorName ? $"Pass another {Flags.FinalTensorName}." : "It cannot be retrained again by cutting at this bottleneck."));
            }
        }
    }

    public static GraphDef Build(GraphDef backbone, ModelDescription model, FinalLayer layer, string finalTensorName)
    {
        var kept = BackboneNodes(backbone, model).ToList();
        CheckNames(kept, model, finalTensorName);
        var graph = new GraphDef { Versions = backbone.Versions?.Clone() };
        graph.Node.AddRange(kept.Select(n => n.Clone()));

        var floatType = new AttrValue { Type = DataType.DtFloat };
        var placeholder = new NodeDef { Name = BottleneckInput, Op = "PlaceholderWithDefault", Input = { model.OutputNode } };
        placeholder.Attr["dtype"] = floatType;
        placeholder.Attr["shape"] = new AttrValue
        {
            Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = -1 }, new TensorShapeProto.Types.Dim { Size = layer.BottleneckSize } } },
        };

        var matMul = new NodeDef { Name = MatMul, Op = "MatMul", Input = { BottleneckInput, Weights } };
        matMul.Attr["T"] = floatType;
        matMul.Attr["transpose_a"] = new AttrValue { B = false };
        matMul.Attr["transpose_b"] = new AttrValue { B = false };
        var add = new NodeDef { Name = Add, Op = "Add", Input = { MatMul, Biases } };
        add.Attr["T"] = floatType;
        var softmax = new NodeDef { Name = finalTensorName, Op = "Softmax", Input = { Add } };
        softmax.Attr["T"] = floatType;

        graph.Node.Add(placeholder);
        graph.Node.Add(Const(Weights, TensorProtos.FromFloats(layer.Weights, layer.BottleneckSize, layer.ClassCount)));
        graph.Node.Add(Const(Biases, TensorProtos.FromFloats(layer.Biases, layer.ClassCount)));
        graph.Node.Add(matMul);
        graph.Node.Add(add);
        graph.Node.Add(softmax);
        graph.Node.Add(ModelInfo(model));
        return graph;
    }

    /// <summary>The nodes the bottleneck depends on, in their original order (a valid topological order already).</summary>
    private static IEnumerable<NodeDef> BackboneNodes(GraphDef backbone, ModelDescription model)
    {
        var byName = backbone.Node.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(model.OutputNode);
        while (stack.Count > 0)
        {
            var name = stack.Pop();
            if (!needed.Add(name))
            {
                continue;
            }

            if (!byName.TryGetValue(name, out var node))
            {
                throw new RetrainException(ExitCode.BadModel, $"Node '{name}' is referenced in '{model.Path}' but not defined.");
            }

            foreach (var input in node.Input)
            {
                stack.Push(NodeName(input));
            }
        }

        return backbone.Node.Where(n => needed.Contains(n.Name));
    }

    private static string NodeName(string input)
    {
        var name = input.StartsWith('^') ? input[1..] : input;
        var colon = name.LastIndexOf(':');
        return colon > 0 && int.TryParse(name.AsSpan(colon + 1), out _) ? name[..colon] : name;
    }

    private static NodeDef Const(string name, TensorProto value)
    {
        var node = new NodeDef { Name = name, Op = "Const" };
        node.Attr["dtype"] = new AttrValue { Type = value.Dtype };
        node.Attr["value"] = new AttrValue { Tensor = value };
        return node;
    }

    private static NodeDef ModelInfo(ModelDescription model)
    {
        var info = new ModelRecognizer.ModelInfo(
            model.Architecture,
            model.InputNode,
            model.OutputNode,
            model.InputHeight,
            model.InputWidth,
            model.InputMean,
            model.InputStd);
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.Add(ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(info)));
        return Const(ModelRecognizer.ModelInfoNode, tensor);
    }
}
