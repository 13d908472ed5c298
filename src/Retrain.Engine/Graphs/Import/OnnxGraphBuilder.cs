using System.Runtime.InteropServices;
using Google.Protobuf;
using Retrain.Protos.Onnx;
using OnnxTensor = Retrain.Protos.Onnx.TensorProto;

namespace Retrain.Graphs.Import;

/// <summary>
/// Accumulates ONNX nodes and initializers with unique value names, then wraps them into a <see cref="ModelProto"/>.
/// Opset 13 is used: it has everything the translated ops need, and ONNX Runtime supports it fully.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const int OpsetVersion = 13;

    // IR version 7 is the one that goes with opset 13.
    private const int IrVersion = 7;

    private readonly GraphProto _graph = new() { Name = "retrain_import" };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public int NodeCount => _graph.Node.Count;

    /// <summary>Claims <paramref name="name"/> exactly (graph input/output names must not change).</summary>
    public void Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"ONNX value name '{name}' is already in use");
        }
    }

    /// <summary>A fresh value name derived from <paramref name="hint"/> (usually the TF node name).</summary>
    public string UniqueName(string hint)
    {
        if (_names.Add(hint))
        {
            return hint;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{hint}__{i}";
            if (_names.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Adds a node with one output named after <paramref name="outputHint"/>; returns the output name.</summary>
    public string Add(string opType, string outputHint, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = UniqueName(outputHint);
        AddWithOutput(opType, output, inputs, attributes);
        return output;
    }

    /// <summary>Adds a node whose output name was already reserved.</summary>
    public void AddWithOutput(string opType, string output, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
    }

    public string AddFloatInitializer(string hint, float[] values, long[] dims)
    {
        var name = UniqueName(hint);
        var tensor = new OnnxTensor { Name = name, DataType = (int)OnnxTensor.Types.DataType.Float };
        tensor.Dims.AddRange(dims);

        // raw_data is little-endian by the ONNX spec, which is what MemoryMarshal gives on every .NET platform we ship.
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string AddInt64Initializer(string hint, long[] values, long[] dims)
    {
        var name = UniqueName(hint);
        var tensor = new OnnxTensor { Name = name, DataType = (int)OnnxTensor.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string AddInt32Initializer(string hint, long[] values, long[] dims)
    {
        var name = UniqueName(hint);
        var tensor = new OnnxTensor { Name = name, DataType = (int)OnnxTensor.Types.DataType.Int32 };
        tensor.Dims.AddRange(dims);
        tensor.Int32Data.AddRange(values.Select(static v => (int)v));
        _graph.Initializer.Add(tensor);
        return name;
    }

    public void AddInput(string name, int elementType, long[] dims) => _graph.Input.Add(ValueInfo(name, elementType, dims));

    public void AddOutput(string name, int elementType, long[] dims) => _graph.Output.Add(ValueInfo(name, elementType, dims));

    public ModelProto Build(string docString)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "retrain",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static ValueInfoProto ValueInfo(string name, int elementType, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            // The symbolic batch gets a name so ORT knows every input/output shares it.
            shape.Dim.Add(d == TfValue.BatchDim
                ? new TensorShapeProto.Types.Dimension { DimParam = "batch" }
                : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
