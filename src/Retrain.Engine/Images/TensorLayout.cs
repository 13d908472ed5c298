namespace Retrain.Images;

/// <summary>
/// Where the channel axis of an image input sits: TensorFlow graphs take channels last (NHWC); PyTorch, the ONNX model
/// zoo and ML.NET's featurizers take channels first (NCHW).
/// </summary>
public enum TensorLayout
{
    Nhwc,
    Nchw,
}
