using Retrain.Protos.Onnx;

namespace Retrain.Inference.Segments;

/// <summary>
/// An ONNX model cut at the convolutions retrain computes itself: ONNX Runtime runs the stages in between. Each
/// convolution reads a value every path from the model's input passes through, so the stages form a chain
/// (stage 0, conv 0, stage 1, conv 1, ..., last stage); a stage between two adjacent convolutions is empty.
/// </summary>
internal sealed class SegmentPlan
{
    private SegmentPlan(GraphIndex graph, ModelProto model, IReadOnlyList<FoldedConvolution> convolutions, IReadOnlyList<IReadOnlyList<int>> stages)
    {
        Graph = graph;
        Model = model;
        Convolutions = convolutions;
        Stages = stages;
    }

    public IReadOnlyList<FoldedConvolution> Convolutions { get; }

    /// <summary>Node indices of each stage, one more stage than convolutions.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Stages { get; }

    private GraphIndex Graph { get; }

    private ModelProto Model { get; }

    /// <summary>Node <paramref name="index"/> of the model the plan cuts.</summary>
    public NodeProto Node(int index) => Graph.Node(index);

    /// <summary>The model's single input value.</summary>
    public ValueInfoProto Input => Graph.Inputs[0];

    /// <summary>
    /// The plan for <paramref name="model"/>, or null when no convolution of it can be cut out: only 3x3 stride-1
    /// convolutions the kernel supports, each at a point the whole model passes through, between non-empty first and
    /// last stages.
    /// </summary>
    public static SegmentPlan? TryCreate(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new GraphIndex(model.Graph);
        if (graph.Inputs.Count != 1 || model.Graph.Output.Count != 1 || graph.Inputs[0].Type?.TensorType?.Shape is not { Dim.Count: > 0 })
        {
            return null;
        }

        var convolutions = new List<FoldedConvolution>();
        var stages = new List<IReadOnlyList<int>>();
        var assigned = new HashSet<int>();
        for (var i = 0; i < model.Graph.Node.Count; i++)
        {
            if (assigned.Contains(i) || FoldedConvolution.TryMatch(graph, i) is not { } conv)
            {
                continue;
            }

            var before = graph.Ancestors(conv.Input);
            var stage = before.Where(n => !assigned.Contains(n)).Order().ToList();
            var previousOutput = convolutions.Count == 0 ? graph.Inputs[0].Name : convolutions[^1].Output;
            if (!IsCut(graph, conv, before) || before.Count == 0 || !assigned.IsSubsetOf(before) ||
                (stage.Count == 0 && conv.Input != previousOutput) || !IsClosed(graph, stage, previousOutput))
            {
                continue;
            }

            stages.Add(stage);
            convolutions.Add(conv);
            assigned.UnionWith(stage);
            assigned.UnionWith(conv.Nodes);
        }

        var last = Enumerable.Range(0, model.Graph.Node.Count).Where(n => !assigned.Contains(n)).ToList();
        while (convolutions.Count > 0 && (last.Count == 0 || !IsClosed(graph, last, convolutions[^1].Output)))
        {
            // The graph ends in the last convolution (or needs values from before it): run that one in ONNX Runtime.
            last = [.. stages[^1], .. convolutions[^1].Nodes, .. last];
            last.Sort();
            stages.RemoveAt(stages.Count - 1);
            convolutions.RemoveAt(convolutions.Count - 1);
        }

        if (convolutions.Count == 0)
        {
            return null;
        }

        stages.Add(last);
        return new SegmentPlan(graph, model, convolutions, stages);
    }

    /// <summary>
    /// Stage <paramref name="index"/> as a model of its own. Values cross between stages channels last (NHWC), the
    /// kernel's layout: a Transpose at each end, which ONNX Runtime merges into the layout reorders it does anyway.
    /// </summary>
    /// <param name="inputPerItem">The stage's input without the batch dimension: [H, W, C] for every stage but the first.</param>
    public ModelProto StageModel(int index, long[] inputPerItem)
    {
        var first = index == 0;
        var final = index == Stages.Count - 1;
        var graph = new GraphProto { Name = $"{Model.Graph.Name}_stage{index}" };
        var used = new HashSet<string>(Graph.Graph.Node.SelectMany(static n => n.Input.Concat(n.Output)), StringComparer.Ordinal);
        if (first)
        {
            graph.Input.Add(Input.Clone());
        }
        else
        {
            var value = Convolutions[index - 1].Output;
            var channelsLast = Fresh(used, value + "_nhwc");
            graph.Input.Add(TensorInfo(channelsLast, [Input.Type.TensorType.Shape.Dim[0].Clone(), .. inputPerItem.Select(static d => new TensorShapeProto.Types.Dimension { DimValue = d })]));
            graph.Node.Add(Transpose(channelsLast, value, [0, 3, 1, 2]));
        }

        graph.Node.Add(Stages[index].Select(n => Graph.Node(n).Clone()));
        if (final)
        {
            graph.Output.Add(Model.Graph.Output[0].Clone());
        }
        else
        {
            var value = Convolutions[index].Input;
            var channelsLast = Fresh(used, value + "_nhwc");
            graph.Node.Add(Transpose(value, channelsLast, [0, 2, 3, 1]));
            graph.Output.Add(TensorInfo(channelsLast, null));
        }

        var inputs = new HashSet<string>(graph.Node.SelectMany(static n => n.Input), StringComparer.Ordinal);
        graph.Initializer.Add(Graph.Initializers.Values.Where(i => inputs.Contains(i.Name)));
        var model = new ModelProto
        {
            IrVersion = Model.IrVersion,
            ProducerName = "retrain",
            Graph = graph,
        };
        model.OpsetImport.Add(Model.OpsetImport);
        return model;
    }

    /// <summary>
    /// Whether every path from the model's input to its output passes through the convolution's input: nothing after
    /// it reads a value computed before it, and the model's input and output are not used or made before it.
    /// </summary>
    private static bool IsCut(GraphIndex graph, FoldedConvolution conv, HashSet<int> before)
    {
        if (graph.Consumers(conv.Input).Count != 1 || graph.Consumers(graph.Inputs[0].Name).Any(n => !before.Contains(n)) ||
            before.Contains(graph.Producer(graph.Graph.Output[0].Name)))
        {
            return false;
        }

        var group = conv.Nodes.ToHashSet();
        for (var n = 0; n < graph.Graph.Node.Count; n++)
        {
            if (!before.Contains(n) && !group.Contains(n) &&
                graph.Node(n).Input.Any(v => v.Length > 0 && before.Contains(graph.Producer(v))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the nodes read nothing but each other's outputs, constants and <paramref name="input"/>.</summary>
    private static bool IsClosed(GraphIndex graph, IReadOnlyCollection<int> nodes, string input)
    {
        var inside = nodes.ToHashSet();
        return nodes.All(n => graph.Node(n).Input.All(v =>
            v.Length == 0 || v == input || graph.Initializers.ContainsKey(v) || inside.Contains(graph.Producer(v))));
    }

    private static string Fresh(HashSet<string> used, string name)
    {
        var candidate = name;
        for (var i = 1; !used.Add(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        return candidate;
    }

    private static NodeProto Transpose(string input, string output, long[] perm)
    {
        var node = new NodeProto { OpType = "Transpose", Name = output };
        node.Input.Add(input);
        node.Output.Add(output);
        var attribute = new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(perm);
        node.Attribute.Add(attribute);
        return node;
    }

    private static ValueInfoProto TensorInfo(string name, TensorShapeProto.Types.Dimension[]? dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (dims is not null)
        {
            tensor.Shape = new TensorShapeProto();
            tensor.Shape.Dim.Add(dims);
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
