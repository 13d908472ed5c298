using Retrain.Errors;
using Retrain.Protos.TensorFlow;
using OnnxType = Retrain.Protos.Onnx.TensorProto.Types.DataType;

namespace Retrain.Graphs.Import;

/// <summary>
/// State shared by the op translators while one graph is imported: the ONNX graph being built, whether the batch
/// dimension is symbolic, and the layout conversions already emitted (so two consumers share one Transpose).
/// </summary>
internal sealed class ImportContext(OnnxGraphBuilder onnx, bool symbolicBatch, string graphSource, string inputNode, string outputNode)
{
    private readonly Dictionary<string, DynamicValue> _channelsFirst = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DynamicValue> _tensorFlowLayout = new(StringComparer.Ordinal);

    public OnnxGraphBuilder Onnx { get; } = onnx;

    /// <summary>True while trying to give the ONNX model a symbolic batch dimension (dimension 0 of the input).</summary>
    public bool SymbolicBatch { get; } = symbolicBatch;

    public string GraphSource { get; } = graphSource;

    public string InputNode { get; } = inputNode;

    public string OutputNode { get; } = outputNode;

    /// <summary>
    /// Called where the TF graph relies on the batch being exactly its declared size (e.g. it reshapes across the
    /// batch): a symbolic attempt is abandoned and the importer retries with the batch fixed.
    /// </summary>
    public void RequireFixedBatch(NodeDef node, string why)
    {
        if (SymbolicBatch)
        {
            throw new BatchRelaxationException($"node '{node.Name}' ({node.Op}): {why}");
        }
    }

    /// <summary>A user-facing failure for a node that cannot be translated; <paramref name="why"/> says what is wrong.</summary>
    public RetrainException Fail(NodeDef node, string why) =>
        new(ExitCode.BadModel,
            $"Cannot translate node '{node.Name}' (op {node.Op}) in {GraphSource}: {why}. " +
            $"It is needed to compute '{OutputNode}' from '{InputNode}'; choose other input/output nodes or re-export the graph.");

    public DynamicValue AsDynamic(TfValue value, string hint)
    {
        switch (value)
        {
            case DynamicValue dynamic:
                return dynamic;
            case ConstValue constant:
                var name = AddInitializer(hint, constant.Tensor);
                return new DynamicValue(name, constant.Shape, constant.Type, Layout.AsTensorFlow);
            default:
                throw new InvalidOperationException("unknown value kind " + value.GetType().Name);
        }
    }

    /// <summary>The value in NHWC (TensorFlow) memory order, transposing a channels-first value once.</summary>
    public DynamicValue InTensorFlowLayout(DynamicValue value)
    {
        if (value.Layout == Layout.AsTensorFlow)
        {
            return value;
        }

        if (_tensorFlowLayout.TryGetValue(value.OnnxName, out var cached))
        {
            return cached;
        }

        string name;
        if (LayoutMath.SameMemoryOrder(value.Shape))
        {
            // [N,C,1,1] and [N,1,1,C] share memory order: a Reshape is a free view where a Transpose would copy.
            name = Onnx.Add("Reshape", value.OnnxName + "/nhwc", [value.OnnxName, ShapeInitializer(value.OnnxName, value.Shape)]);
        }
        else
        {
            name = Onnx.Add("Transpose", value.OnnxName + "/nhwc", [value.OnnxName],
                OnnxGraphBuilder.Ints("perm", LayoutMath.ToChannelsLastPerm.Select(static p => (long)p)));
        }

        var result = new DynamicValue(name, value.Shape, value.Type, Layout.AsTensorFlow);
        _tensorFlowLayout[value.OnnxName] = result;
        return result;
    }

    /// <summary>A 4-D value in NCHW memory order, transposing an NHWC value once.</summary>
    public DynamicValue InChannelsFirst(DynamicValue value)
    {
        if (value.Layout == Layout.ChannelsFirst)
        {
            return value;
        }

        if (value.Rank != 4)
        {
            throw new InvalidOperationException($"only 4-D values have a channels-first form, not [{string.Join(",", value.Shape)}]");
        }

        if (_channelsFirst.TryGetValue(value.OnnxName, out var cached))
        {
            return cached;
        }

        var name = Onnx.Add("Transpose", value.OnnxName + "/nchw", [value.OnnxName],
            OnnxGraphBuilder.Ints("perm", LayoutMath.ToChannelsFirstPerm.Select(static p => (long)p)));
        var result = new DynamicValue(name, value.Shape, value.Type, Layout.ChannelsFirst);
        _channelsFirst[value.OnnxName] = result;
        return result;
    }

    /// <summary>An int64 initializer for an ONNX shape input; the symbolic batch becomes -1 ("infer").</summary>
    public string ShapeInitializer(string hint, long[] shape) =>
        Onnx.AddInt64Initializer(hint + "/shape", shape.Select(static d => d == TfValue.BatchDim ? -1L : d).ToArray(), [shape.Length]);

    public string Int64Initializer(string hint, long[] values) => Onnx.AddInt64Initializer(hint, values, [values.Length]);

    public string FloatScalar(string hint, float value) => Onnx.AddFloatInitializer(hint, [value], []);

    public string AddInitializer(string hint, ConstTensor tensor)
    {
        if (tensor.IsFloat)
        {
            return Onnx.AddFloatInitializer(hint, tensor.Floats!, tensor.Shape);
        }

        return tensor.Type switch
        {
            DataType.DtInt64 => Onnx.AddInt64Initializer(hint, tensor.Longs!, tensor.Shape),
            DataType.DtInt32 => Onnx.AddInt32Initializer(hint, tensor.Longs!, tensor.Shape),

            // Other integer constants only feed float math here (e.g. a Cast input): hand them over as float.
            _ => Onnx.AddFloatInitializer(hint, tensor.AsFloats(), tensor.Shape),
        };
    }

    public static int OnnxElementType(DataType type) => type switch
    {
        DataType.DtFloat => (int)OnnxType.Float,
        DataType.DtDouble => (int)OnnxType.Double,
        DataType.DtInt32 => (int)OnnxType.Int32,
        DataType.DtInt64 => (int)OnnxType.Int64,
        DataType.DtUint8 => (int)OnnxType.Uint8,
        DataType.DtInt8 => (int)OnnxType.Int8,
        DataType.DtInt16 => (int)OnnxType.Int16,
        DataType.DtUint16 => (int)OnnxType.Uint16,
        DataType.DtBool => (int)OnnxType.Bool,
        _ => (int)OnnxType.Undefined,
    };
}
