using System.Globalization;
using Retrain.Errors;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.SavedModels;

/// <summary>
/// Replaces every call of a function in the graph's library (<c>StatefulPartitionedCall</c>, <c>PartitionedCall</c>,
/// or a node whose op is the function's name) by the function's body, recursively, the way TensorFlow's
/// <c>InlineFunctionBody</c> does: body nodes are named <c>call/node</c>, arguments become the call's inputs, and
/// the call's outputs become Identity nodes (output 0 keeps the call's name, output k is <c>call/output_k</c>), so the
/// signature's tensor names still resolve. A TF2 SavedModel is then one flat GraphDef the importer reads.
/// </summary>
internal static class FunctionInliner
{
    /// <summary>Deeper nesting than this is a recursive function, which a feed-forward backbone never has.</summary>
    private const int MaxDepth = 64;

    /// <summary>Ops with more than one output argument, by the names FunctionDef bodies use for them.</summary>
    private static readonly Dictionary<string, string[]> MultiOutputOps = new(StringComparer.Ordinal)
    {
        ["FusedBatchNorm"] = ["y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"],
        ["FusedBatchNormV2"] = ["y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"],
        ["FusedBatchNormV3"] = ["y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2", "reserve_space_3"],
        ["Switch"] = ["output_false", "output_true"],
        ["Merge"] = ["output", "value_index"],
        ["TopKV2"] = ["values", "indices"],
        ["Unique"] = ["y", "idx"],
    };

    /// <summary>The name of output <paramref name="index"/> of an inlined call named <paramref name="call"/>.</summary>
    public static string OutputNode(string call, int index) =>
        index == 0 ? call : string.Create(CultureInfo.InvariantCulture, $"{call}/output_{index}");

    /// <summary>
    /// The flat graph; <paramref name="origin"/> gets, for each node taken from a function body, the function it sat
    /// in (the innermost one), so errors can name it. A graph without calls comes back as it is.
    /// </summary>
    public static GraphDef Inline(GraphDef graph, string source, Dictionary<string, string> origin)
    {
        var library = graph.Library?.Function.ToDictionary(f => f.Signature.Name, StringComparer.Ordinal)
            ?? new Dictionary<string, FunctionDef>(StringComparer.Ordinal);
        if (library.Count == 0 || !graph.Node.Any(n => CalleeOf(n, library) is not null))
        {
            return graph;
        }

        var nodes = graph.Node.Select(n => (Node: n, Depth: 0)).ToList();
        var result = new List<NodeDef>(nodes.Count);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            var (node, depth) = nodes[i];
            if (CalleeOf(node, library) is not { } function)
            {
                result.Add(node);
                continue;
            }

            if (depth >= MaxDepth)
            {
                throw new RetrainException(ExitCode.BadModel,
                    $"Function '{function.Signature.Name}' in {source} calls itself more than {MaxDepth} levels deep (at node '{node.Name}'); " +
                    "recursive functions cannot be inlined into a feed-forward graph.");
            }

            foreach (var inlined in Expand(node, function, library, source, origin))
            {
                nodes.Add((inlined, depth + 1));
            }

            for (var k = 0; k < Math.Max(1, function.Signature.OutputArg.Count); k++)
            {
                renamed[string.Create(CultureInfo.InvariantCulture, $"{node.Name}:{k}")] = OutputNode(node.Name, k);
            }
        }

        var flat = new GraphDef { Versions = graph.Versions?.Clone() };
        foreach (var node in result)
        {
            for (var j = 0; j < node.Input.Count; j++)
            {
                if (!NodeNames.IsControlInput(node.Input[j]) && NodeNames.Parse(node.Input[j]) is var (name, index) && index > 0
                    && renamed.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"{name}:{index}"), out var output))
                {
                    node.Input[j] = output;
                }
            }

            flat.Node.Add(node);
        }

        return flat;
    }

    private static FunctionDef? CalleeOf(NodeDef node, Dictionary<string, FunctionDef> library)
    {
        if (node.Op is "StatefulPartitionedCall" or "PartitionedCall")
        {
            return node.Attr.TryGetValue("f", out var f) && f.Func is { } func && library.TryGetValue(func.Name, out var called) ? called : null;
        }

        return library.GetValueOrDefault(node.Op);
    }

    /// <summary>The body of <paramref name="function"/> for the call <paramref name="call"/>, with its output Identities.</summary>
    private static List<NodeDef> Expand(
        NodeDef call, FunctionDef function, Dictionary<string, FunctionDef> library, string source, Dictionary<string, string> origin)
    {
        var name = function.Signature.Name;
        var prefix = call.Name + "/";
        var dataInputs = call.Input.Where(static i => !NodeNames.IsControlInput(i)).ToList();
        var args = function.Signature.InputArg;
        if (args.Count != dataInputs.Count)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"Node '{call.Name}' in {source} calls function '{name}' with {dataInputs.Count} inputs, but the function takes " +
                $"{args.Count}. The SavedModel is damaged: re-export it.");
        }

        var argValue = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            argValue[args[i].Name] = dataInputs[i];
        }

        var body = function.NodeDef.ToDictionary(n => n.Name, StringComparer.Ordinal);
        string Resolve(string reference)
        {
            if (NodeNames.IsControlInput(reference))
            {
                var target = reference[1..];
                return argValue.TryGetValue(target, out var arg) ? "^" + NodeNames.Parse(arg).Node : "^" + prefix + target;
            }

            var parts = reference.Split(':');
            if (parts.Length == 1 || (parts.Length == 2 && argValue.ContainsKey(parts[0])))
            {
                return argValue.TryGetValue(parts[0], out var arg)
                    ? arg
                    : throw Damaged(call, name, source, $"it reads '{reference}', which is neither an argument nor a node output");
            }

            if (!body.TryGetValue(parts[0], out var producer))
            {
                throw Damaged(call, name, source, $"it reads '{reference}', but the function has no node '{parts[0]}'");
            }

            var index = parts.Length == 3 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : 0;
            var flat = FlatOutputIndex(producer, parts[1], index, library);
            return flat == 0 ? prefix + parts[0] : string.Create(CultureInfo.InvariantCulture, $"{prefix}{parts[0]}:{flat}");
        }

        var expanded = new List<NodeDef>(function.NodeDef.Count + function.Signature.OutputArg.Count);
        foreach (var template in function.NodeDef)
        {
            var node = template.Clone();
            node.Name = prefix + template.Name;
            node.Input.Clear();
            node.Input.AddRange(template.Input.Select(Resolve));
            expanded.Add(node);
            origin[node.Name] = name;
        }

        var outputs = function.Signature.OutputArg;
        var types = call.Attr.TryGetValue("Tout", out var tout) ? tout.List?.Type : null;
        for (var k = 0; k < outputs.Count; k++)
        {
            if (!function.Ret.TryGetValue(outputs[k].Name, out var ret))
            {
                throw Damaged(call, name, source, $"its output '{outputs[k].Name}' has no return value");
            }

            var identity = new NodeDef { Name = OutputNode(call.Name, k), Op = "Identity", Input = { Resolve(ret) }, Device = call.Device };
            var type = types is not null && k < types.Count ? types[k] : outputs[k].Type;
            identity.Attr["T"] = new AttrValue { Type = type };
            expanded.Add(identity);
            origin[identity.Name] = name;
        }

        if (outputs.Count == 0)
        {
            // Keeps control edges to the call valid.
            expanded.Add(new NodeDef { Name = call.Name, Op = "NoOp" });
        }

        return expanded;
    }

    /// <summary>
    /// A FunctionDef names outputs by argument ("node:z:0"); a GraphDef by flat position ("node:1"). Single-output ops
    /// and (Stateful)PartitionedCall (whose outputs are one list) map index to index; a function called by its name
    /// has one argument per output; the ops with several outputs are listed.
    /// </summary>
    private static int FlatOutputIndex(NodeDef producer, string argument, int index, Dictionary<string, FunctionDef> library)
    {
        if (library.TryGetValue(producer.Op, out var callee))
        {
            var position = callee.Signature.OutputArg.Select(a => a.Name).ToList().IndexOf(argument);
            return position < 0 ? index : position + index;
        }

        if (MultiOutputOps.TryGetValue(producer.Op, out var arguments))
        {
            var position = Array.IndexOf(arguments, argument);
            return position < 0 ? index : position + index;
        }

        return index;
    }

    private static RetrainException Damaged(NodeDef call, string function, string source, string why) =>
        new(ExitCode.BadModel,
            $"Function '{function}' (called by node '{call.Name}') in {source} cannot be inlined: {why}. The SavedModel is damaged: re-export it.");
}
