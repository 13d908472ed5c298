namespace Retrain.Graphs;

/// <summary>
/// A TF graph translated to ONNX. Shapes are in TensorFlow's layout (NHWC for images), with dimension 0 = -1 when
/// the batch is dynamic.
/// </summary>
/// <param name="OnnxModel">The serialized ONNX ModelProto.</param>
/// <param name="InputName">The ONNX input's name (the TF input node's name).</param>
/// <param name="OutputName">The ONNX output's name (the TF output node's name).</param>
/// <param name="InputShape">Input shape, e.g. [-1,224,224,3].</param>
/// <param name="OutputShape">Output shape, e.g. [-1,1001].</param>
/// <param name="BatchIsDynamic">True when any batch size can be run; false when the graph forced its own batch size.</param>
internal sealed record ImportedGraph(
    byte[] OnnxModel,
    string InputName,
    string OutputName,
    long[] InputShape,
    long[] OutputShape,
    bool BatchIsDynamic);
