using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>How a 4-D value is laid out in ONNX memory. Shapes are always kept in TensorFlow's logical order.</summary>
internal enum Layout
{
    /// <summary>Same order as TensorFlow (NHWC for images; the only layout of non-4-D values).</summary>
    AsTensorFlow,

    /// <summary>NCHW: what ONNX Conv/Pool/BatchNormalization produce; kept so chains of them need no transposes.</summary>
    ChannelsFirst,
}

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

internal sealed class ConstValue(ConstTensor tensor) : TfValue
{
    public ConstTensor Tensor { get; } = tensor;

    public override long[] Shape => Tensor.Shape;

    public override DataType Type => Tensor.Type;
}

internal sealed class DynamicValue(string onnxName, long[] shape, DataType type, Layout layout) : TfValue
{
    public string OnnxName { get; } = onnxName;

    public Layout Layout { get; } = layout;

    public override long[] Shape { get; } = shape;

    public override DataType Type { get; } = type;

    /// <summary>The shape as stored in ONNX memory (NCHW for <see cref="Layout.ChannelsFirst"/>).</summary>
    public long[] PhysicalShape => Layout == Layout.ChannelsFirst ? LayoutMath.ToChannelsFirst(Shape) : Shape;
}

/// <summary>Index arithmetic between TensorFlow's NHWC order and ONNX's NCHW order.</summary>
internal static class LayoutMath
{
    /// <summary>NHWC -> NCHW: physical dim i holds logical dim ToChannelsFirstPerm[i].</summary>
    public static readonly int[] ToChannelsFirstPerm = [0, 3, 1, 2];

    /// <summary>NCHW -> NHWC.</summary>
    public static readonly int[] ToChannelsLastPerm = [0, 2, 3, 1];

    public static long[] ToChannelsFirst(long[] nhwc) => [nhwc[0], nhwc[3], nhwc[1], nhwc[2]];

    /// <summary>Where logical (NHWC) axis <paramref name="axis"/> lives in NCHW memory.</summary>
    public static int PhysicalAxis(int axis) => axis switch
    {
        0 => 0,
        1 => 2,
        2 => 3,
        _ => 1,
    };

    /// <summary>
    /// True when a channels-first value has the same memory order as its NHWC form: the dimensions that are not 1
    /// come in the same order either way (e.g. [N,1,1,C] after a global pool), so Reshape/Squeeze can read it as is.
    /// </summary>
    public static bool SameMemoryOrder(long[] nhwc)
    {
        var logical = new List<int>();
        var physical = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            if (nhwc[i] != 1)
            {
                logical.Add(i);
            }

            var p = ToChannelsFirstPerm[i];
            if (nhwc[p] != 1)
            {
                physical.Add(p);
            }
        }

        return logical.SequenceEqual(physical);
    }
}
