using Retrain.Protos.Onnx;

namespace Retrain.Inference.Segments;

/// <summary>
/// An ONNX model cut at the convolutions retrain computes itself, into steps that run one after the other: stages
/// of graph nodes for ONNX Runtime and single convolutions for the kernel. A stage takes every node that can run
/// before the next convolution is needed, so a model cuts into as few stages as its convolutions allow; values that
/// a later step needs but the next one does not (an Inception block's other branches) are carried past it.
/// </summary>
internal sealed class SegmentPlan
{
    private readonly HashSet<string> _channelsLast;
    private readonly Dictionary<string, int> _lastReader;

    private SegmentPlan(GraphIndex graph, ModelProto model, List<SegmentStep> steps, HashSet<string> channelsLast, Dictionary<string, int> lastReader, int perImageSteps)
    {
        Graph = graph;
        Model = model;
        Steps = steps;
        _channelsLast = channelsLast;
        _lastReader = lastReader;
        PerImageSteps = perImageSteps;
        Convolutions = [.. steps.Select(static s => s.Convolution).OfType<FoldedConvolution>()];
    }

    public IReadOnlyList<SegmentStep> Steps { get; }

    /// <summary>The convolutions the kernel runs, in the order they run.</summary>
    public IReadOnlyList<FoldedConvolution> Convolutions { get; }

    /// <summary>
    /// How many leading steps form a chain (each reads only what the one before wrote, and writes one value only the
    /// next reads). They run one image at a time, so the large early activations stay in the caches between steps.
    /// </summary>
    public int PerImageSteps { get; }

    /// <summary>The model's single input value.</summary>
    public ValueInfoProto Input => Graph.Inputs[0];

    /// <summary>The model's single output value.</summary>
    public string Output => Model.Graph.Output[0].Name;

    private GraphIndex Graph { get; }

    private ModelProto Model { get; }

    /// <summary>Node <paramref name="index"/> of the model the plan cuts.</summary>
    public NodeProto Node(int index) => Graph.Node(index);

    /// <summary>Whether steps exchange <paramref name="value"/> channels last (NHWC): the kernel's layout, for what it reads or writes.</summary>
    public bool IsChannelsLast(string value) => _channelsLast.Contains(value);

    /// <summary>The index of the last step that reads <paramref name="value"/>.</summary>
    public int LastReader(string value) => _lastReader[value];

    /// <summary>
    /// The plan for <paramref name="model"/>, or null when no convolution of it can be cut out: only 3x3 stride-1
    /// convolutions the kernel supports, neither reading the model's input nor writing its output.
    /// </summary>
    public static SegmentPlan? TryCreate(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new GraphIndex(model.Graph);
        if (graph.Inputs.Count != 1 || model.Graph.Output.Count != 1 || graph.Inputs[0].Type?.TensorType?.Shape is not { Dim.Count: > 0 })
        {
            return null;
        }

        var input = graph.Inputs[0].Name;
        var output = model.Graph.Output[0].Name;
        var constants = StepSchedule.ConstantNodes(graph);
        var convolutions = new List<FoldedConvolution>();
        var folded = new HashSet<int>();
        for (var i = 0; i < model.Graph.Node.Count; i++)
        {
            if (!folded.Contains(i) && FoldedConvolution.TryMatch(graph, i) is { } conv && conv.Input != input && conv.Output != output &&
                !conv.Nodes.Any(folded.Contains) && !constants.Contains(graph.Producer(conv.Input)))
            {
                convolutions.Add(conv);
                folded.UnionWith(conv.Nodes);
            }
        }

        if (convolutions.Count == 0 || StepSchedule.Order(graph, convolutions, folded, constants, input) is not { } order)
        {
            return null;
        }

        var steps = StepSchedule.Connect(graph, order, output, out var readers);
        if (!steps[^1].IsStage || !steps[^1].Outputs.Contains(output))
        {
            return null;
        }

        var channelsLast = steps.Where(static s => !s.IsStage).SelectMany(static s => s.Inputs.Concat(s.Outputs)).ToHashSet(StringComparer.Ordinal);
        var lastReader = readers.ToDictionary(static r => r.Key, static r => r.Value.Max(), StringComparer.Ordinal);
        var perImage = 0;
        var previous = input;
        while (perImage < steps.Count - 1 && steps[perImage].Inputs is [var read] && read == previous &&
               steps[perImage].Outputs is [var written] && readers[written] is [var reader] && reader == perImage + 1)
        {
            previous = written;
            perImage++;
        }

        return new SegmentPlan(graph, model, steps, channelsLast, lastReader, perImage);
    }

    /// <summary>
    /// Stage <paramref name="index"/> as a model of its own, with the names its session gives the step's inputs and
    /// outputs. Channels-last values cross with a Transpose at each end, which ONNX Runtime merges into the layout
    /// reorders it does anyway.
    /// </summary>
    /// <param name="perItem">The shape without the batch dimension of each value the step reads, as exchanged.</param>
    public (ModelProto Model, string[] InputNames, string[] OutputNames) StageModel(int index, Func<string, long[]> perItem)
    {
        ArgumentNullException.ThrowIfNull(perItem);
        var step = Steps[index];
        if (!step.IsStage)
        {
            throw new ArgumentException($"step {index} is a convolution, not a stage", nameof(index));
        }

        var graph = new GraphProto { Name = $"{Model.Graph.Name}_step{index}" };
        var used = new HashSet<string>(Graph.Graph.Node.SelectMany(static n => n.Input.Concat(n.Output)), StringComparer.Ordinal);
        var batch = Input.Type.TensorType.Shape.Dim[0];
        var inputNames = new string[step.Inputs.Count];
        for (var i = 0; i < inputNames.Length; i++)
        {
            var value = step.Inputs[i];
            if (value == Input.Name)
            {
                graph.Input.Add(Input.Clone());
                inputNames[i] = value;
                continue;
            }

            TensorShapeProto.Types.Dimension[] dims = [batch.Clone(), .. perItem(value).Select(static d => new TensorShapeProto.Types.Dimension { DimValue = d })];
            if (IsChannelsLast(value))
            {
                inputNames[i] = Fresh(used, value + "_nhwc");
                graph.Input.Add(TensorInfo(inputNames[i], dims));
                graph.Node.Add(Transpose(inputNames[i], value, [0, 3, 1, 2]));
            }
            else
            {
                graph.Input.Add(TensorInfo(value, dims));
                inputNames[i] = value;
            }
        }

        graph.Node.Add(step.Nodes.Select(n => Graph.Node(n).Clone()));
        var outputNames = new string[step.Outputs.Count];
        for (var i = 0; i < outputNames.Length; i++)
        {
            var value = step.Outputs[i];
            if (value == Output)
            {
                graph.Output.Add(Model.Graph.Output[0].Clone());
                outputNames[i] = value;
            }
            else if (IsChannelsLast(value))
            {
                outputNames[i] = Fresh(used, value + "_nhwc");
                graph.Node.Add(Transpose(value, outputNames[i], [0, 2, 3, 1]));
                graph.Output.Add(TensorInfo(outputNames[i], null));
            }
            else
            {
                graph.Output.Add(TensorInfo(value, null));
                outputNames[i] = value;
            }
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
        return (model, inputNames, outputNames);
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
