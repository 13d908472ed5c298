using Google.Protobuf;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;

namespace Retrain.Tests.TestSupport;

/// <summary>Builds small TensorFlow GraphDefs in test code, node by node, as TF's Python API would write them.</summary>
public sealed class TfGraphBuilder
{
    public GraphDef Graph { get; } = new();

    public string Placeholder(string name, params long[] shape)
    {
        var node = Add("Placeholder", name);
        node.Attr["dtype"] = new AttrValue { Type = DataType.DtFloat };
        node.Attr["shape"] = new AttrValue { Shape = ShapeOf(shape) };
        return name;
    }

    public string Const(string name, float[] values, params long[] shape)
    {
        var node = Add("Const", name);
        node.Attr["dtype"] = new AttrValue { Type = DataType.DtFloat };
        node.Attr["value"] = new AttrValue { Tensor = TensorProtos.FromFloats(values, shape) };
        return name;
    }

    public string IntConst(string name, int[] values, params long[] shape)
    {
        var node = Add("Const", name);
        node.Attr["dtype"] = new AttrValue { Type = DataType.DtInt32 };
        node.Attr["value"] = new AttrValue { Tensor = TensorProtos.FromInts(values, shape) };
        return name;
    }

    /// <summary>A quantized constant (one byte per value in tensor_content), as the quantized MobileNets store weights.</summary>
    public string QuantizedConst(string name, byte[] values, params long[] shape)
    {
        var node = Add("Const", name);
        node.Attr["dtype"] = new AttrValue { Type = DataType.DtQuint8 };
        node.Attr["value"] = new AttrValue
        {
            Tensor = new TensorProto
            {
                Dtype = DataType.DtQuint8,
                TensorShape = ShapeOf(shape),
                TensorContent = ByteString.CopyFrom(values),
            },
        };
        return name;
    }

    public string StringConst(string name, byte[] value)
    {
        var node = Add("Const", name);
        node.Attr["dtype"] = new AttrValue { Type = DataType.DtString };
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.Add(ByteString.CopyFrom(value));
        node.Attr["value"] = new AttrValue { Tensor = tensor };
        return name;
    }

    /// <summary>Declares a node's output shape the way TF writes it with add_shapes=True ("_output_shapes").</summary>
    public void DeclareOutputShape(string name, params long[] shape)
    {
        var list = new AttrValue.Types.ListValue();
        list.Shape.Add(ShapeOf(shape));
        Graph.Node.Single(n => n.Name == name).Attr["_output_shapes"] = new AttrValue { List = list };
    }

    public string Op(string op, string name, string[] inputs, params (string Key, AttrValue Value)[] attrs)
    {
        var node = Add(op, name);
        node.Input.AddRange(inputs);
        node.Attr["T"] = new AttrValue { Type = DataType.DtFloat };
        foreach (var (key, value) in attrs)
        {
            node.Attr[key] = value;
        }

        return name;
    }

    public static (string, AttrValue) Ints(string key, params long[] values)
    {
        var list = new AttrValue.Types.ListValue();
        list.I.AddRange(values);
        return (key, new AttrValue { List = list });
    }

    public static (string, AttrValue) Str(string key, string value) => (key, new AttrValue { S = ByteString.CopyFromUtf8(value) });

    public static (string, AttrValue) Bool(string key, bool value) => (key, new AttrValue { B = value });

    public static (string, AttrValue) Float(string key, float value) => (key, new AttrValue { F = value });

    public static (string, AttrValue) Type(string key, DataType value) => (key, new AttrValue { Type = value });

    private NodeDef Add(string op, string name)
    {
        var node = new NodeDef { Op = op, Name = name };
        Graph.Node.Add(node);
        return node;
    }

    private static TensorShapeProto ShapeOf(long[] shape)
    {
        var proto = new TensorShapeProto();
        foreach (var d in shape)
        {
            proto.Dim.Add(new TensorShapeProto.Types.Dim { Size = d });
        }

        return proto;
    }
}
