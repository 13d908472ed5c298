using Google.Protobuf;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// Turns a frozen GraphDef back into a SavedModel with variables, as TensorFlow exports one before freezing: every
/// float Const with at least one dimension becomes a variable whose value goes into variables/ (a tensor bundle),
/// read through <c>name/read</c> (TF1 <c>VariableV2</c>) or <c>name/Read/ReadVariableOp</c> (resource variables).
/// </summary>
public static class VariableSavedModel
{
    /// <summary>Writes the SavedModel folder; returns the names of the variables made.</summary>
    public static IReadOnlyList<string> Write(
        GraphDef frozen,
        string folder,
        string input,
        string output,
        bool resourceVariables = false,
        string signature = "serving_default",
        TensorShapeProto? signatureInputShape = null)
    {
        var tensors = new Dictionary<string, TensorBundleWriter.Tensor>(StringComparer.Ordinal);
        var reads = new Dictionary<string, string>(StringComparer.Ordinal);
        var graph = new GraphDef { Versions = frozen.Versions?.Clone(), Library = frozen.Library?.Clone() };
        var names = frozen.Node.Select(static n => n.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in frozen.Node)
        {
            if (node.Op != "Const" || node.Attr["value"].Tensor is not { Dtype: DataType.DtFloat } value || TensorProtos.Shape(value).Length == 0)
            {
                graph.Node.Add(node.Clone());
                continue;
            }

            var shape = TensorProtos.Shape(value);
            var floats = TensorProtos.ToFloats(value);
            var bytes = new byte[floats.Length * sizeof(float)];
            Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
            tensors[node.Name] = new TensorBundleWriter.Tensor(DataType.DtFloat, shape, bytes);
            var shapeAttr = new AttrValue { Shape = new TensorShapeProto { Dim = { shape.Select(static d => new TensorShapeProto.Types.Dim { Size = d }) } } };
            var floatType = new AttrValue { Type = DataType.DtFloat };
            if (resourceVariables)
            {
                var handle = new NodeDef { Name = node.Name, Op = "VarHandleOp" };
                handle.Attr["dtype"] = floatType;
                handle.Attr["shape"] = shapeAttr;
                handle.Attr["shared_name"] = new AttrValue { S = ByteString.CopyFromUtf8(node.Name) };
                var read = new NodeDef { Name = node.Name + "/Read/ReadVariableOp", Op = "ReadVariableOp", Input = { node.Name } };
                read.Attr["dtype"] = floatType;
                graph.Node.Add(handle);
                graph.Node.Add(read);
                reads[node.Name] = read.Name;
            }
            else
            {
                var variable = new NodeDef { Name = node.Name, Op = "VariableV2" };
                variable.Attr["dtype"] = floatType;
                variable.Attr["shape"] = shapeAttr;
                graph.Node.Add(variable);
                if (!names.Contains(node.Name + "/read"))
                {
                    // Frozen slim graphs kept the variables' Identity reads; others get one, as TF1 makes.
                    var read = new NodeDef { Name = node.Name + "/read", Op = "Identity", Input = { node.Name } };
                    read.Attr["T"] = floatType;
                    graph.Node.Add(read);
                    reads[node.Name] = read.Name;
                }
            }
        }

        foreach (var node in graph.Node.Where(n => !reads.ContainsValue(n.Name)))
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (reads.TryGetValue(node.Input[i], out var read))
                {
                    node.Input[i] = read;
                }
            }
        }

        Directory.CreateDirectory(Path.Combine(folder, "variables"));
        TensorBundleWriter.Write(Path.Combine(folder, "variables", "variables"), tensors);
        var meta = new MetaGraphDef
        {
            MetaInfoDef = new MetaGraphDef.Types.MetaInfoDef { Tags = { "serve" } },
            GraphDef = graph,
        };
        var inputShape = signatureInputShape
            ?? (graph.Node.Single(n => n.Name == input).Attr.TryGetValue("shape", out var s) ? s.Shape : null);
        meta.SignatureDef[signature] = new SignatureDef
        {
            MethodName = "tensorflow/serving/predict",
            Inputs = { ["images"] = new TensorInfo { Name = input + ":0", Dtype = DataType.DtFloat, TensorShape = inputShape } },
            Outputs = { ["feature_vector"] = new TensorInfo { Name = output + ":0", Dtype = DataType.DtFloat } },
        };
        File.WriteAllBytes(Path.Combine(folder, SavedModelFile.FileName), new SavedModel { SavedModelSchemaVersion = 1, MetaGraphs = { meta } }.ToByteArray());
        return [.. tensors.Keys];
    }

    /// <summary>
    /// Writes the frozen graph as TF2's <c>tf.saved_model.save</c> lays it out: the network is the body of a function
    /// called through <c>StatefulPartitionedCall</c> with the image and one resource handle (<c>VarHandleOp</c>) per
    /// weight; inside, <c>ReadVariableOp</c> reads each. The object graph captures the variables as
    /// <c>model/layer_{i}/kernel</c>, and the bundle keys them by that path
    /// (<c>model/layer_{i}/kernel/.ATTRIBUTES/VARIABLE_VALUE</c>) with the checkpoint's own object graph, whose node ids
    /// are numbered differently (TensorFlow matches them by child names). Returns the output's node name.
    /// </summary>
    public static string WriteTf2(GraphDef frozen, string folder, string input, string output)
    {
        const string function = "__inference_signature_wrapper_1234";
        var weights = frozen.Node
            .Where(n => n.Op == "Const" && n.Attr["value"].Tensor is { Dtype: DataType.DtFloat } v && TensorProtos.Shape(v).Length > 0)
            .ToList();
        var floatType = new AttrValue { Type = DataType.DtFloat };
        var signature = new OpDef { Name = function, InputArg = { new OpDef.Types.ArgDef { Name = "images", Type = DataType.DtFloat } } };
        signature.OutputArg.Add(new OpDef.Types.ArgDef { Name = "output_0", Type = DataType.DtFloat });
        var body = new FunctionDef { Signature = signature, Ret = { ["output_0"] = Reference(frozen, output) } };
        var graph = new GraphDef { Versions = frozen.Versions?.Clone() };
        graph.Node.Add(frozen.Node.Single(n => n.Name == input).Clone());
        var call = new NodeDef { Name = "StatefulPartitionedCall", Op = "StatefulPartitionedCall", Input = { input } };
        call.Attr["f"] = new AttrValue { Func = new NameAttrList { Name = function } };
        var tin = new AttrValue.Types.ListValue { Type = { DataType.DtFloat } };

        // Object ids: 0 root, 1 "model", then one per weight. The checkpoint lists the weights in reverse.
        var objects = new SavedObjectGraph();
        var checkpoint = new TrackableObjectGraph();
        objects.Nodes.Add(new SavedObject { Children = { Child(1, "model") } });
        objects.Nodes.Add(new SavedObject());
        checkpoint.Nodes.Add(new TrackableObjectGraph.Types.TrackableObject { Children = { Child(1, "model") } });
        checkpoint.Nodes.Add(new TrackableObjectGraph.Types.TrackableObject());
        checkpoint.Nodes.AddRange(weights.Select(_ => new TrackableObjectGraph.Types.TrackableObject()));
        var concrete = new SavedConcreteFunction();
        var tensors = new Dictionary<string, TensorBundleWriter.Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < weights.Count; i++)
        {
            var weight = weights[i];
            var value = weight.Attr["value"].Tensor;
            var shape = TensorProtos.Shape(value);
            var floats = TensorProtos.ToFloats(value);
            var bytes = new byte[floats.Length * sizeof(float)];
            Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
            var layer = $"layer_{i}";
            var key = $"model/{layer}/kernel/.ATTRIBUTES/VARIABLE_VALUE";
            tensors[key] = new TensorBundleWriter.Tensor(DataType.DtFloat, shape, bytes);
            var shapeAttr = new AttrValue { Shape = new TensorShapeProto { Dim = { shape.Select(static d => new TensorShapeProto.Types.Dim { Size = d }) } } };

            var handle = new NodeDef { Name = $"Variable_{i}", Op = "VarHandleOp" };
            handle.Attr["dtype"] = floatType;
            handle.Attr["shape"] = shapeAttr;
            handle.Attr["shared_name"] = new AttrValue { S = ByteString.CopyFromUtf8($"Variable_{i}") };
            graph.Node.Add(handle);
            call.Input.Add(handle.Name);
            tin.Type.Add(DataType.DtResource);
            signature.InputArg.Add(new OpDef.Types.ArgDef { Name = $"readvariableop_resource_{i}", Type = DataType.DtResource });

            var read = new NodeDef { Name = weight.Name, Op = "ReadVariableOp", Input = { $"readvariableop_resource_{i}" } };
            read.Attr["dtype"] = floatType;
            body.NodeDef.Add(read);

            // The layer object holds the variable as "kernel"; the variable object itself is saved.
            var layerId = objects.Nodes.Count;
            objects.Nodes[1].Children.Add(Child(layerId, layer));
            objects.Nodes.Add(new SavedObject { Children = { Child(layerId + 1, "kernel") } });
            objects.Nodes.Add(new SavedObject { Variable = new SavedVariable { Dtype = DataType.DtFloat, Shape = shapeAttr.Shape, Name = $"Variable_{i}" } });
            concrete.BoundInputs.Add(layerId + 1);

            var storedLayer = checkpoint.Nodes.Count;
            checkpoint.Nodes[1].Children.Add(Child(storedLayer, layer));
            checkpoint.Nodes.Add(new TrackableObjectGraph.Types.TrackableObject { Children = { Child(2 + weights.Count - 1 - i, "kernel") } });
            checkpoint.Nodes[2 + weights.Count - 1 - i].Attributes.Add(new TrackableObjectGraph.Types.TrackableObject.Types.SerializedTensor
            {
                Name = "VARIABLE_VALUE",
                FullName = $"Variable_{i}",
                CheckpointKey = key,
            });
        }

        foreach (var node in frozen.Node.Where(n => n.Name != input && !weights.Contains(n)))
        {
            var copy = node.Clone();
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(i => i.StartsWith('^') ? i : NodeNames.Parse(i).Node == input ? "images" : Reference(frozen, i)));
            body.NodeDef.Add(copy);
        }

        call.Attr["Tin"] = new AttrValue { List = tin };
        call.Attr["Tout"] = new AttrValue { List = new AttrValue.Types.ListValue { Type = { DataType.DtFloat } } };
        graph.Node.Add(call);
        graph.Library = new FunctionDefLibrary { Function = { body } };
        objects.ConcreteFunctions[function] = concrete;
        tensors["_CHECKPOINTABLE_OBJECT_GRAPH"] = new TensorBundleWriter.Tensor(DataType.DtString, [], checkpoint.ToByteArray());

        Directory.CreateDirectory(Path.Combine(folder, "variables"));
        TensorBundleWriter.Write(Path.Combine(folder, "variables", "variables"), tensors);
        var meta = new MetaGraphDef
        {
            MetaInfoDef = new MetaGraphDef.Types.MetaInfoDef { Tags = { "serve" } },
            GraphDef = graph,
            ObjectGraphDef = objects,
        };
        meta.SignatureDef["serving_default"] = new SignatureDef
        {
            MethodName = "tensorflow/serving/predict",
            Inputs = { ["images"] = new TensorInfo { Name = input + ":0", Dtype = DataType.DtFloat } },
            Outputs = { ["output_0"] = new TensorInfo { Name = call.Name + ":0", Dtype = DataType.DtFloat } },
        };
        File.WriteAllBytes(Path.Combine(folder, SavedModelFile.FileName), new SavedModel { SavedModelSchemaVersion = 1, MetaGraphs = { meta } }.ToByteArray());
        return call.Name;
    }

    private static TrackableObjectGraph.Types.TrackableObject.Types.ObjectReference Child(int id, string name) => new() { NodeId = id, LocalName = name };

    /// <summary>A GraphDef input ("node" or "node:k") as a FunctionDef body names it ("node:out_arg:k").</summary>
    private static string Reference(GraphDef graph, string tensor)
    {
        var (name, index) = NodeNames.Parse(tensor);
        if (!graph.Node.First(n => n.Name == name).Op.StartsWith("FusedBatchNorm", StringComparison.Ordinal))
        {
            return $"{name}:output:{index}";
        }

        // FusedBatchNorm's outputs are the arguments y, batch_mean, batch_variance, ...: flat k>0 is batch_mean:k-1.
        return index == 0 ? $"{name}:y:0" : $"{name}:batch_mean:{index - 1}";
    }
}
