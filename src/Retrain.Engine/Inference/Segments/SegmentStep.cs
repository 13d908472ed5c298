namespace Retrain.Inference.Segments;

/// <summary>
/// One step of a <see cref="SegmentPlan"/>: either a stage of graph nodes ONNX Runtime runs, or one convolution
/// retrain's kernel runs.
/// </summary>
/// <param name="Nodes">The stage's node indices in graph order; empty for a convolution.</param>
/// <param name="Convolution">The convolution; null for a stage.</param>
/// <param name="Inputs">Values the step reads that earlier steps (or the model's input) provide, in a fixed order.</param>
/// <param name="Outputs">Values the step writes that later steps read (or the model's output), in a fixed order.</param>
internal sealed record SegmentStep(
    IReadOnlyList<int> Nodes,
    FoldedConvolution? Convolution,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs)
{
    public bool IsStage => Convolution is null;
}
