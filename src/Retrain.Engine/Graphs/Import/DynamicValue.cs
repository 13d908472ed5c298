using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

internal sealed class DynamicValue(string onnxName, long[] shape, DataType type, Layout layout) : TfValue
{
    public string OnnxName { get; } = onnxName;

    public Layout Layout { get; } = layout;

    public override long[] Shape { get; } = shape;

    public override DataType Type { get; } = type;

    /// <summary>The shape as stored in ONNX memory (NCHW for <see cref="Layout.ChannelsFirst"/>).</summary>
    public long[] PhysicalShape => Layout == Layout.ChannelsFirst ? LayoutMath.ToChannelsFirst(Shape) : Shape;
}
