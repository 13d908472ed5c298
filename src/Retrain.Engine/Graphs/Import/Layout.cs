namespace Retrain.Graphs.Import;

/// <summary>How a 4-D value is laid out in ONNX memory. Shapes are always kept in TensorFlow's logical order.</summary>
internal enum Layout
{
    /// <summary>Same order as TensorFlow (NHWC for images; the only layout of non-4-D values).</summary>
    AsTensorFlow,

    /// <summary>NCHW: what ONNX Conv/Pool/BatchNormalization produce; kept so chains of them need no transposes.</summary>
    ChannelsFirst,
}
