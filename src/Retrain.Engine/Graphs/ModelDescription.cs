namespace Retrain.Graphs;

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
