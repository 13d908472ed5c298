namespace Retrain.Graphs;

/// <summary>How a model file is stored on disk.</summary>
public enum ModelFormat
{
    /// <summary>A frozen TensorFlow GraphDef (.pb), translated to ONNX in-process.</summary>
    GraphDef,

    /// <summary>An ONNX model, run as it is.</summary>
    Onnx,
}
