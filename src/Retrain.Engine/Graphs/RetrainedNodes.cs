namespace Retrain.Graphs;

/// <summary>
/// The names of the nodes retrain.py's <c>add_final_retrain_ops</c> adds after the bottleneck, shared by the graph
/// writer and the TensorBoard summaries that name its variables.
/// </summary>
internal static class RetrainedNodes
{
    public const string BottleneckInput = "input/BottleneckInputPlaceholder";
    public const string Weights = "final_retrain_ops/weights/final_weights";
    public const string Biases = "final_retrain_ops/biases/final_biases";
    public const string MatMul = "final_retrain_ops/Wx_plus_b/MatMul";
    public const string Add = "final_retrain_ops/Wx_plus_b/add";
}
