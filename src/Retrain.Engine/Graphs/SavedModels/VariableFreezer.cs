using Retrain.Errors;
using Retrain.Graphs.Import;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.SavedModels;

/// <summary>
/// TensorFlow's freeze_graph for one output: the nodes the output is computed from, with each variable
/// (TF1 <c>VariableV2</c>, TF2 <c>VarHandleOp</c>) replaced by a <c>Const</c> holding its value from the tensor bundle
/// and each <c>ReadVariableOp</c> by an <c>Identity</c> of it. Assignments and initializers are not on the output's
/// path, so they are left out with the rest; control edges are dropped (they only order variable initialisation).
/// </summary>
internal static class VariableFreezer
{
    public static readonly HashSet<string> VariableOps = new(StringComparer.Ordinal) { "VariableV2", "Variable", "VarHandleOp" };

    private const string ReadVariable = "ReadVariableOp";

    /// <param name="origin">The function each inlined node came from, to name it when the importer lacks its op.</param>
    public static GraphDef Freeze(
        GraphDef graph,
        string input,
        string output,
        Func<(TensorBundle Bundle, CheckpointKeys Keys)> variables,
        IReadOnlyDictionary<string, string> origin,
        string source)
    {
        var nodes = new Dictionary<string, NodeDef>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            nodes.TryAdd(node.Name, node);
        }

        var needed = Ancestors(nodes, NodeNames.Parse(output).Node);
        CheckOpsOnPath(nodes, needed, NodeNames.Parse(input).Node, origin, source);

        var frozen = new GraphDef { Versions = graph.Versions?.Clone() };
        foreach (var node in graph.Node.Where(n => needed.Contains(n.Name)))
        {
            if (VariableOps.Contains(node.Op))
            {
                var (bundle, keys) = variables();
                frozen.Node.Add(Constant(node, bundle, keys.KeyOf(node.Name), source));
                continue;
            }

            var copy = node.Clone();
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Where(static i => !NodeNames.IsControlInput(i)));
            if (node.Op == ReadVariable)
            {
                copy.Op = "Identity";
                copy.Input[0] = VariableOf(nodes, node, source);
                copy.Attr.Clear();
                copy.Attr["T"] = new AttrValue { Type = node.Attr.TryGetValue("dtype", out var t) ? t.Type : DataType.DtFloat };
            }

            frozen.Node.Add(copy);
        }

        return frozen;
    }

    /// <summary>The output and every node it reads data from, directly or not.</summary>
    private static HashSet<string> Ancestors(Dictionary<string, NodeDef> nodes, string output)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(output);
        while (stack.Count > 0)
        {
            var name = stack.Pop();
            if (!nodes.TryGetValue(name, out var node) || !needed.Add(name))
            {
                continue;
            }

            foreach (var input in node.Input.Where(static i => !NodeNames.IsControlInput(i)))
            {
                stack.Push(NodeNames.Parse(input).Node);
            }
        }

        return needed;
    }

    /// <summary>
    /// The nodes computed from the input are translated op by op (nothing folds them), so an op the importer lacks
    /// there fails the import; for a node inlined from a TF2 function the message names the function, which is
    /// where the user finds it in their model code.
    /// </summary>
    private static void CheckOpsOnPath(
        Dictionary<string, NodeDef> nodes, HashSet<string> needed, string input, IReadOnlyDictionary<string, string> origin, string source)
    {
        // Iterative post-order over the needed nodes (deep graphs would overflow a recursive walk): a node depends on
        // the input when it is the input or reads a node that does.
        var fromInput = new HashSet<string>(StringComparer.Ordinal) { input };
        var done = new HashSet<string>(StringComparer.Ordinal);
        var entered = new HashSet<string>(StringComparer.Ordinal); // a cycle is entered once; the importer reports it
        foreach (var root in needed)
        {
            var stack = new Stack<(string Name, bool Expanded)>();
            stack.Push((root, false));
            while (stack.Count > 0)
            {
                var (name, expanded) = stack.Pop();
                if (done.Contains(name) || !nodes.TryGetValue(name, out var node))
                {
                    continue;
                }

                var inputs = node.Input.Where(static i => !NodeNames.IsControlInput(i)).Select(static i => NodeNames.Parse(i).Node);
                if (expanded || name == input)
                {
                    done.Add(name);
                    if (name != input && inputs.Any(fromInput.Contains))
                    {
                        fromInput.Add(name);
                    }

                    continue;
                }

                if (!entered.Add(name))
                {
                    continue;
                }

                stack.Push((name, true));
                foreach (var i in inputs.Where(i => !done.Contains(i)))
                {
                    stack.Push((i, false));
                }
            }
        }

        foreach (var name in fromInput.Where(n => n != input && needed.Contains(n)))
        {
            var node = nodes[name];
            if (origin.TryGetValue(name, out var function) && node.Op is not ("Const" or ReadVariable)
                && !VariableOps.Contains(node.Op) && !OpTranslators.TryGet(node.Op, out _, out _))
            {
                throw new RetrainException(ExitCode.BadModel,
                    $"TensorFlow op '{node.Op}' (node '{name}', in function '{function}' of {source}) is not one the importer translates. " +
                    $"Supported ops: {string.Join(", ", OpTranslators.SupportedOps)}. Choose an output ({Flags.BottleneckOrOutputLayer}) " +
                    "before it, or re-export the model without it.");
            }
        }
    }

    private static NodeDef Constant(NodeDef variable, TensorBundle bundle, string key, string source)
    {
        var where = key == variable.Name ? $"variable '{key}'" : $"variable '{variable.Name}' (checkpoint key '{key}')";
        if (!bundle.Contains(key))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"The {where} of {source} is not in its variables index {bundle.IndexPath}: the graph and the variables come from " +
                "different exports. Re-export the SavedModel, or copy its variables/ folder from the same export.");
        }

        var declaredType = variable.Attr.TryGetValue("dtype", out var t) ? t.Type : DataType.DtInvalid;
        var storedType = bundle.DataTypeOf(key);
        var declaredShape = variable.Attr.TryGetValue("shape", out var s) && s.Shape is { UnknownRank: false } shape
            ? shape.Dim.Select(static d => d.Size).ToArray()
            : null;
        var storedShape = bundle.ShapeOf(key)!;
        var shapeDiffers = declaredShape is not null
            && (declaredShape.Length != storedShape.Length || declaredShape.Zip(storedShape).Any(static p => p.First >= 0 && p.First != p.Second));
        if ((declaredType != DataType.DtInvalid && declaredType != storedType) || shapeDiffers)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"The {where} of {source} is declared {declaredType} [{string.Join(",", declaredShape ?? [])}] in the graph, but " +
                $"{bundle.IndexPath} stores {storedType} [{string.Join(",", storedShape)}]: the graph and the variables come from different " +
                "exports. Re-export the SavedModel.");
        }

        var constant = new NodeDef { Name = variable.Name, Op = "Const", Device = variable.Device };
        constant.Attr["dtype"] = new AttrValue { Type = storedType };
        constant.Attr["value"] = new AttrValue { Tensor = bundle.Read(key) };
        return constant;
    }

    /// <summary>The variable node a ReadVariableOp reads, through Identity nodes passing the handle on.</summary>
    private static string VariableOf(Dictionary<string, NodeDef> nodes, NodeDef read, string source)
    {
        var name = NodeNames.Parse(read.Input.FirstOrDefault(static i => !NodeNames.IsControlInput(i)) ?? string.Empty).Node;
        for (var hops = 0; nodes.TryGetValue(name, out var node) && hops < nodes.Count; hops++)
        {
            if (VariableOps.Contains(node.Op))
            {
                return name;
            }

            if (node.Op != "Identity" || node.Input.Count == 0)
            {
                break;
            }

            name = NodeNames.Parse(node.Input[0]).Node;
        }

        throw new RetrainException(ExitCode.BadModel,
            $"Node '{read.Name}' ({ReadVariable}) of {source} reads '{name}', which is not a variable; only variables stored in the " +
            "SavedModel's variables/ folder can be frozen into the graph.");
    }
}
