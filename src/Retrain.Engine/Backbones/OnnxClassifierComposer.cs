using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.IO;
using Retrain.Protos.Onnx;
using Retrain.Training;

namespace Retrain.Backbones;

/// <summary>
/// The retrained classifier for an ONNX backbone: the backbone model unchanged, then the trained layer appended the way
/// <see cref="Export.RetrainedGraphWriter"/> appends it to a GraphDef (bottleneck flattened to [batch, size], MatMul with the
/// final weights, Add of the biases, Softmax named --final_tensor_name), written as one ONNX file with the same
/// metadata_props as --output_onnx. A GraphDef cannot hold an ONNX backbone, so this is the only output form there.
/// </summary>
internal static class OnnxClassifierComposer
{
    private const string Scope = "final_retrain_ops/";

    // What Write adds under Scope.
    private static readonly string[] AddedNames =
        ["weights/final_weights", "biases/final_biases", "bottleneck_shape", "bottleneck_flat", "Wx_plus_b/MatMul", "Wx_plus_b/add"];

    /// <summary>
    /// Throws <see cref="RetrainException"/> (BadModel) when a name the new layer adds is already a value or node of
    /// the backbone (an ONNX classifier retrain exported, given back as a backbone): checked before the bottlenecks,
    /// since the duplicate would make the written model invalid only at the end.
    /// </summary>
    public static void CheckNames(LoadedModel backbone, string finalTensorName)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var bytes = backbone.OnnxModel ?? throw new ArgumentException("The backbone is not an ONNX model.", nameof(backbone));
        var graph = ModelProto.Parser.ParseFrom(bytes).Graph;
        var used = graph.Node.SelectMany(n => n.Output.Append(n.Name))
            .Concat(graph.Initializer.Select(i => i.Name))
            .Concat(graph.Input.Select(i => i.Name))
            .ToHashSet(StringComparer.Ordinal);
        // A classifier retrain wrote has all of them: say so rather than suggest another --final_tensor_name.
        var added = AddedNames.Select(n => Scope + n).Append(finalTensorName);
        if (added.FirstOrDefault(used.Contains) is { } taken)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"The backbone model '{backbone.Description.Path}' already has a value named '{taken}', which the new layer would add. " +
                (taken == finalTensorName
                    ? $"Pass another {Flags.FinalTensorName}."
                    : "It looks like a classifier retrain wrote: retrain its original backbone instead."));
        }
    }

    /// <summary>Stages the composed classifier at <paramref name="path"/> in <paramref name="outputs"/>.</summary>
    public static void Write(OutputTransaction outputs, LoadedModel backbone, FinalLayer layer, string finalTensorName, IReadOnlyList<string> labels, string path)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(layer);
        var bytes = backbone.OnnxModel ?? throw new ArgumentException("The backbone is not an ONNX model.", nameof(backbone));
        var model = ModelProto.Parser.ParseFrom(bytes);
        var graph = model.Graph;
        var bottleneck = backbone.Runner.OutputName;
        string Name(string suffix) => Scope + suffix;

        graph.Initializer.Add(FloatTensor(Name("weights/final_weights"), layer.Weights, layer.BottleneckSize, layer.ClassCount));
        graph.Initializer.Add(FloatTensor(Name("biases/final_biases"), layer.Biases, layer.ClassCount));
        var shape = new TensorProto { Name = Name("bottleneck_shape"), DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 2 } };
        shape.Int64Data.Add([-1, layer.BottleneckSize]);
        graph.Initializer.Add(shape);

        graph.Node.Add(Node("Reshape", Name("bottleneck_flat"), bottleneck, Name("bottleneck_shape")));
        graph.Node.Add(Node("MatMul", Name("Wx_plus_b/MatMul"), Name("bottleneck_flat"), Name("weights/final_weights")));
        graph.Node.Add(Node("Add", Name("Wx_plus_b/add"), Name("Wx_plus_b/MatMul"), Name("biases/final_biases")));
        var softmax = Node("Softmax", finalTensorName, Name("Wx_plus_b/add"));
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(softmax);

        var batchIsDynamic = backbone.Runner.MaxBatchSize > 1;
        graph.Output.Clear();
        graph.Output.Add(FloatOutput(finalTensorName, batchIsDynamic, layer.ClassCount));

        var d = backbone.Description;
        var described = new ImportedGraph(
            [],
            backbone.Runner.InputName,
            finalTensorName,
            backbone.Layout == TensorLayout.Nchw
                ? [batchIsDynamic ? -1 : 1, 3, d.InputHeight, d.InputWidth]
                : [batchIsDynamic ? -1 : 1, d.InputHeight, d.InputWidth, 3],
            [batchIsDynamic ? -1 : 1, layer.ClassCount],
            batchIsDynamic);
        OnnxMetadata.Describe(model, d, described, labels, backbone.Preprocessing);
        outputs.Write(path, model);
    }

    private static NodeProto Node(string op, string output, params string[] inputs) =>
        new() { OpType = op, Name = output, Output = { output }, Input = { inputs } };

    private static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { dims },
            RawData = ByteString.CopyFrom(bytes),
        };
    }

    private static ValueInfoProto FloatOutput(string name, bool batchIsDynamic, int classes)
    {
        var batch = batchIsDynamic
            ? new TensorShapeProto.Types.Dimension { DimParam = "batch" }
            : new TensorShapeProto.Types.Dimension { DimValue = 1 };
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = new TensorShapeProto { Dim = { batch, new TensorShapeProto.Types.Dimension { DimValue = classes } } },
                },
            },
        };
    }
}
