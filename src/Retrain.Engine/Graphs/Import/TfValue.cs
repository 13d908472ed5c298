using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>The output of one TensorFlow node during import: either folded to a constant, or an ONNX value.</summary>
internal abstract class TfValue
{
    /// <summary>Logical TF shape; dimension 0 is <see cref="BatchDim"/> when the batch is symbolic.</summary>
    public abstract long[] Shape { get; }

    public abstract DataType Type { get; }

    public int Rank => Shape.Length;

    /// <summary>Marks the symbolic batch dimension in <see cref="Shape"/>.</summary>
    public const long BatchDim = -1;
}
