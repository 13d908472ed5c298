namespace Retrain.Graphs;

/// <summary>How a model file is stored on disk.</summary>
public enum ModelFormat
{
    /// <summary>A frozen TensorFlow GraphDef (.pb), translated to ONNX in-process.</summary>
    GraphDef,

    /// <summary>An ONNX model, run as it is.</summary>
    Onnx,
}

/// <summary>
/// Everything needed to run a frozen network as an image feature extractor or classifier: which file, which node
/// takes the image and which node gives the result, and the preprocessing the network was trained with.
/// Mirrors retrain.py's `create_model_info` (input_width/height, input_mean/std, bottleneck tensor name).
/// </summary>
public sealed record ModelDescription(
    string Path,
    ModelFormat Format,
    string Architecture,
    string InputNode,
    string OutputNode,
    int InputHeight,
    int InputWidth,
    float InputMean,
    float InputStd);

/// <summary>
/// Values the user gave on the command line to describe a model (`--input_layer`, `--bottleneck_layer` /
/// `--output_layer`, `--input_height`, `--input_width`, `--input_mean`, `--input_std`); null means "not given", so
/// what the graph itself says is used.
/// </summary>
public sealed record ModelOverrides(
    string? InputNode = null,
    string? OutputNode = null,
    int? InputHeight = null,
    int? InputWidth = null,
    float? InputMean = null,
    float? InputStd = null);
