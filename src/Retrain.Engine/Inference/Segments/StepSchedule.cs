namespace Retrain.Inference.Segments;

/// <summary>
/// How <see cref="SegmentPlan"/> orders a model's nodes and cut-out convolutions into steps, and what each step
/// hands the others.
/// </summary>
internal static class StepSchedule
{
    /// <summary>
    /// Orders the work: a stage of every node that can run with what is available, then every convolution that
    /// can, and again, until all is placed. Null when something can never run (a value nothing computes). Nodes
    /// that compute from constants alone (ONNX Constant, shape arithmetic on initializers) go into every stage that
    /// reads them instead of being handed between stages: they may not be float tensors, which is all stages exchange.
    /// </summary>
    public static List<(List<int> Nodes, FoldedConvolution? Convolution)>? Order(GraphIndex graph, List<FoldedConvolution> convolutions, HashSet<int> folded, HashSet<int> constants, string input)
    {
        var available = new HashSet<string>(graph.Initializers.Keys, StringComparer.Ordinal) { input, string.Empty };
        available.UnionWith(constants.SelectMany(n => graph.Node(n).Output));
        var placed = new bool[graph.Graph.Node.Count];
        foreach (var n in constants)
        {
            placed[n] = true;
        }

        var pending = new List<FoldedConvolution>(convolutions);
        var order = new List<(List<int> Nodes, FoldedConvolution? Convolution)>();
        var remaining = placed.Length - constants.Count;
        while (remaining > 0)
        {
            var stage = new List<int>();
            for (var changed = true; changed;)
            {
                changed = false;
                for (var n = 0; n < placed.Length; n++)
                {
                    if (!placed[n] && !folded.Contains(n) && graph.Node(n).Input.All(available.Contains))
                    {
                        placed[n] = changed = true;
                        stage.Add(n);
                        available.UnionWith(graph.Node(n).Output);
                    }
                }
            }

            if (stage.Count > 0)
            {
                stage.Sort();
                order.Add((stage, null));
                remaining -= stage.Count;
            }

            var ran = false;
            while (pending.FirstOrDefault(c => available.Contains(c.Input)) is { } conv)
            {
                pending.Remove(conv);
                order.Add(([], conv));
                available.Add(conv.Output);
                remaining -= conv.Nodes.Count;
                ran = true;
            }

            if (stage.Count == 0 && !ran)
            {
                return null;
            }
        }

        foreach (var (nodes, _) in order.Where(static o => o.Convolution is null))
        {
            nodes.AddRange(ConstantClosure(graph, constants, nodes));
            nodes.Sort();
        }

        return order;
    }

    /// <summary>Nodes whose inputs are initializers or other such nodes' outputs, up to a fixed point.</summary>
    public static HashSet<int> ConstantNodes(GraphIndex graph)
    {
        var constant = new HashSet<string>(graph.Initializers.Keys, StringComparer.Ordinal) { string.Empty };
        var nodes = new HashSet<int>();
        for (var changed = true; changed;)
        {
            changed = false;
            for (var n = 0; n < graph.Graph.Node.Count; n++)
            {
                if (!nodes.Contains(n) && graph.Node(n).Input.All(constant.Contains))
                {
                    nodes.Add(n);
                    constant.UnionWith(graph.Node(n).Output);
                    changed = true;
                }
            }
        }

        return nodes;
    }

    /// <summary>The constant-only nodes <paramref name="stage"/> reads from, directly or through each other.</summary>
    private static HashSet<int> ConstantClosure(GraphIndex graph, HashSet<int> constants, List<int> stage)
    {
        var found = new HashSet<int>();
        var stack = new Stack<int>(stage.SelectMany(n => graph.Node(n).Input).Select(graph.Producer).Where(constants.Contains));
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (found.Add(n))
            {
                foreach (var p in graph.Node(n).Input.Where(static v => v.Length > 0).Select(graph.Producer).Where(constants.Contains))
                {
                    stack.Push(p);
                }
            }
        }

        return found;
    }

    /// <summary>What each step reads from and writes for the others; <paramref name="readers"/>: the steps reading each exchanged value.</summary>
    public static List<SegmentStep> Connect(GraphIndex graph, List<(List<int> Nodes, FoldedConvolution? Convolution)> order, string output, out Dictionary<string, List<int>> readers)
    {
        var reads = new List<List<string>>();
        var readBy = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var s = 0; s < order.Count; s++)
        {
            var (nodes, conv) = order[s];
            var read = new List<string>();
            if (conv is not null)
            {
                read.Add(conv.Input);
            }
            else
            {
                var here = nodes.SelectMany(n => graph.Node(n).Output).ToHashSet(StringComparer.Ordinal);
                read.AddRange(nodes.SelectMany(n => graph.Node(n).Input)
                    .Where(v => v.Length > 0 && !here.Contains(v) && !graph.Initializers.ContainsKey(v))
                    .Distinct(StringComparer.Ordinal));
            }

            reads.Add(read);
            foreach (var value in read)
            {
                if (!readBy.TryGetValue(value, out var list))
                {
                    readBy[value] = list = [];
                }

                list.Add(s);
            }
        }

        var steps = new List<SegmentStep>(order.Count);
        for (var s = 0; s < order.Count; s++)
        {
            var (nodes, conv) = order[s];
            IEnumerable<string> written = conv is not null ? [conv.Output] : nodes.SelectMany(n => graph.Node(n).Output);
            var outputs = written.Where(v => v.Length > 0 && (v == output || readBy.ContainsKey(v))).Distinct(StringComparer.Ordinal).ToList();
            steps.Add(new SegmentStep(nodes, conv, reads[s], outputs));
        }

        readers = readBy;
        return steps;
    }
}
