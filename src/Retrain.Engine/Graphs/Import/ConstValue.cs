using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

internal sealed class ConstValue(ConstTensor tensor) : TfValue
{
    public ConstTensor Tensor { get; } = tensor;

    public override long[] Shape => Tensor.Shape;

    public override DataType Type => Tensor.Type;
}
