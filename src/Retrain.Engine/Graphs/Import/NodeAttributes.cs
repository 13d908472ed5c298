using System.Text;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>Typed access to a <see cref="NodeDef"/>'s attributes, with the defaults TF's op registry declares.</summary>
internal static class NodeAttributes
{
    public static string String(this NodeDef node, string name, string fallback) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.S
            ? Encoding.UTF8.GetString(value.S.Span)
            : fallback;

    public static bool Bool(this NodeDef node, string name, bool fallback) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.B ? value.B : fallback;

    public static float Float(this NodeDef node, string name, float fallback) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.F ? value.F : fallback;

    public static long Int(this NodeDef node, string name, long fallback) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.I ? value.I : fallback;

    public static long[]? Ints(this NodeDef node, string name) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.List
            ? value.List.I.ToArray()
            : null;

    public static DataType? Type(this NodeDef node, string name) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.Type ? value.Type : null;

    public static TensorProto? Tensor(this NodeDef node, string name) =>
        node.Attr.TryGetValue(name, out var value) && value.ValueCase == AttrValue.ValueOneofCase.Tensor ? value.Tensor : null;

    /// <summary>
    /// The declared shape of a Placeholder (attr "shape"), or else the first of "_output_shapes" that frozen graphs
    /// often carry; null when neither is present or the rank is unknown. Unknown dimensions are -1.
    /// </summary>
    public static long[]? DeclaredShape(this NodeDef node)
    {
        if (node.Attr.TryGetValue("shape", out var shape) && shape.ValueCase == AttrValue.ValueOneofCase.Shape)
        {
            return Dims(shape.Shape);
        }

        if (node.Attr.TryGetValue("_output_shapes", out var outputs) &&
            outputs.ValueCase == AttrValue.ValueOneofCase.List && outputs.List.Shape.Count > 0)
        {
            return Dims(outputs.List.Shape[0]);
        }

        return null;
    }

    private static long[]? Dims(TensorShapeProto shape) =>
        shape.UnknownRank ? null : shape.Dim.Select(static d => d.Size < 0 ? -1 : d.Size).ToArray();
}
