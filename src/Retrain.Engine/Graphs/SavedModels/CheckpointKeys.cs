using Google.Protobuf;
using Retrain.Errors;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.SavedModels;

/// <summary>
/// Which tensor bundle key holds each variable node. TF1 (<c>tf.train.Saver</c>) keys a variable by its node name. TF2
/// keys it by its path in the object graph (<c>a/.ATTRIBUTES/VARIABLE_VALUE</c>): the loader binds each concrete
/// function's <c>bound_inputs</c> (object ids) to the call's last inputs (the VarHandleOp nodes), and restores each
/// object from the checkpoint's own object graph (<c>_CHECKPOINTABLE_OBJECT_GRAPH</c>), matched from the root by child
/// names. This follows the same two links.
/// </summary>
internal sealed class CheckpointKeys
{
    public const string ObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";
    private const string VariableValue = "VARIABLE_VALUE";

    private readonly Dictionary<string, string> _byNode;

    private CheckpointKeys(Dictionary<string, string> byNode)
    {
        _byNode = byNode;
    }

    /// <summary>The bundle key of variable node <paramref name="node"/>: its object-graph key, else its name.</summary>
    public string KeyOf(string node) => _byNode.GetValueOrDefault(node, node);

    /// <param name="graph">The MetaGraph's own graph, before inlining: its top-level calls bind the variables.</param>
    public static CheckpointKeys For(MetaGraphDef meta, GraphDef graph, TensorBundle bundle)
    {
        var byNode = new Dictionary<string, string>(StringComparer.Ordinal);
        var objects = meta.ObjectGraphDef;
        if (objects is null || objects.Nodes.Count == 0 || !bundle.Contains(ObjectGraphKey))
        {
            return new CheckpointKeys(byNode);
        }

        TrackableObjectGraph checkpoint;
        try
        {
            checkpoint = TrackableObjectGraph.Parser.ParseFrom(bundle.ReadScalarString(ObjectGraphKey));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"the object graph ({ObjectGraphKey}) in {bundle.IndexPath} does not parse ({e.Message}). Re-export the SavedModel.", e);
        }

        var keyOfObject = KeysOfObjects(objects, checkpoint);
        foreach (var call in graph.Node.Where(static n => n.Op is "StatefulPartitionedCall" or "PartitionedCall"))
        {
            if (!call.Attr.TryGetValue("f", out var f) || f.Func is null
                || !objects.ConcreteFunctions.TryGetValue(f.Func.Name, out var concrete) || concrete.BoundInputs.Count == 0)
            {
                continue;
            }

            var inputs = call.Input.Where(static i => !NodeNames.IsControlInput(i)).ToList();
            var first = inputs.Count - concrete.BoundInputs.Count;
            for (var j = 0; j < concrete.BoundInputs.Count && first >= 0; j++)
            {
                if (keyOfObject.TryGetValue(concrete.BoundInputs[j], out var key))
                {
                    byNode.TryAdd(NodeNames.Parse(inputs[first + j]).Node, key);
                }
            }
        }

        return new CheckpointKeys(byNode);
    }

    /// <summary>SavedModel object id -> checkpoint key of its value, for the variables both graphs reach by the same names.</summary>
    private static Dictionary<int, string> KeysOfObjects(SavedObjectGraph objects, TrackableObjectGraph checkpoint)
    {
        var keys = new Dictionary<int, string>();
        if (checkpoint.Nodes.Count == 0)
        {
            return keys;
        }

        var seen = new HashSet<int> { 0 };
        var queue = new Queue<(int Saved, int Checkpoint)>();
        queue.Enqueue((0, 0));
        while (queue.Count > 0)
        {
            var (saved, stored) = queue.Dequeue();
            var storedNode = checkpoint.Nodes[stored];
            if (objects.Nodes[saved].Variable is not null
                && storedNode.Attributes.FirstOrDefault(static a => a.Name == VariableValue) is { } value)
            {
                keys[saved] = value.CheckpointKey;
            }

            foreach (var child in objects.Nodes[saved].Children)
            {
                var match = storedNode.Children.FirstOrDefault(c => c.LocalName == child.LocalName);
                if (match is not null && child.NodeId >= 0 && child.NodeId < objects.Nodes.Count
                    && match.NodeId >= 0 && match.NodeId < checkpoint.Nodes.Count && seen.Add(child.NodeId))
                {
                    queue.Enqueue((child.NodeId, match.NodeId));
                }
            }
        }

        return keys;
    }
}
