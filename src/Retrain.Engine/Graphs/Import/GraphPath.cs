using Retrain.Errors;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>
/// The nodes needed to compute the output from the input: the output's ancestors through data edges, cut at the
/// input node, in an order where every node comes after its inputs. Control edges ("^node") are ignored: in a frozen
/// inference graph they only order side effects such as variable initialization.
/// </summary>
internal sealed class GraphPath
{
    private GraphPath(List<NodeDef> order, HashSet<string> fromInput)
    {
        Order = order;
        DependsOnInput = fromInput;
    }

    public IReadOnlyList<NodeDef> Order { get; }

    /// <summary>Names of the nodes whose value changes with the input (the rest fold to constants).</summary>
    public IReadOnlySet<string> DependsOnInput { get; }

    public static GraphPath Find(IReadOnlyDictionary<string, NodeDef> nodes, string input, string output, string source)
    {
        var order = new List<NodeDef>();
        var fromInput = new HashSet<string>(StringComparer.Ordinal);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the stack, true: done
        var inputsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var stack = new Stack<(NodeDef Node, int NextInput)>();
        stack.Push((nodes[output], 0));
        state[output] = false;
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (!inputsOf.TryGetValue(node.Name, out var inputs))
            {
                inputs = node.Name == input ? new List<string>() : DataInputs(node);
                inputsOf[node.Name] = inputs;
            }

            if (next < inputs.Count)
            {
                stack.Push((node, next + 1));
                var name = inputs[next];
                if (!nodes.TryGetValue(name, out var child))
                {
                    throw new RetrainException(ExitCode.BadModel,
                        $"Node '{node.Name}' in {source} reads '{name}', which is not in the graph; the graph file is incomplete or corrupt.");
                }

                if (state.TryGetValue(name, out var done))
                {
                    if (!done)
                    {
                        throw new RetrainException(ExitCode.BadModel,
                            $"There is a cycle in {source} through node '{name}' (TF control flow such as while loops is not supported).");
                    }

                    continue;
                }

                state[name] = false;
                stack.Push((child, 0));
                continue;
            }

            state[node.Name] = true;
            order.Add(node);
            if (node.Name == input || inputs.Any(fromInput.Contains))
            {
                fromInput.Add(node.Name);
            }
        }

        return new GraphPath(order, fromInput);
    }

    /// <summary>The node names a node reads data from (output indices stripped, control inputs dropped).</summary>
    public static List<string> DataInputs(NodeDef node) =>
        node.Input.Where(static i => !NodeNames.IsControlInput(i)).Select(static i => NodeNames.Parse(i).Node).ToList();
}
