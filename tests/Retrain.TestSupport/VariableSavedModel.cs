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
}
