using Retrain.Graphs.Import.Folding;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>TF Dequantize of quantized weight constants, folded at import time.</summary>
public class DequantizeTests
{
    [Fact]
    public void Dequantize_MinFirst_RoundsTheMinimumToAWholeStep()
    {
        // step = (0.5 - -0.1234)/255; min/step = -50.48 -> -50, so q=0 maps to -50*step, not to -0.1234.
        const float min = -0.1234f, max = 0.5f;
        var step = (max - min) / 255f;
        var values = Dequantizer.Dequantize([0, 1, 128, 255], DataType.DtQuint8, min, max, "MIN_FIRST", narrowRange: false);
        Assert.Equal(-50 * step, values[0], 6);
        Assert.Equal(-49 * step, values[1], 6);
        Assert.Equal(78 * step, values[2], 6);
        Assert.Equal(205 * step, values[3], 6);
        Assert.NotEqual(min, values[0], 4);
    }

    [Fact]
    public void Dequantize_MinCombinedAndScaled_FollowTensorFlowFormulas()
    {
        var combined = Dequantizer.Dequantize([0, 51, 255], DataType.DtQuint8, -1f, 1f, "MIN_COMBINED", narrowRange: false);
        Assert.Equal([-1f, -0.6f, 1f], combined.Select(static v => MathF.Round(v, 5)).ToArray());

        var signed = Dequantizer.Dequantize([-128, 0, 127], DataType.DtQint8, -1f, 1f, "MIN_COMBINED", narrowRange: false);
        Assert.Equal(-1f, signed[0], 5);
        Assert.Equal(1f, signed[2], 5);

        var scaled = Dequantizer.Dequantize([0, 255], DataType.DtQuint8, 0f, 6f, "SCALED", narrowRange: false);
        Assert.Equal([0f, 6f], scaled);
        var scaledSigned = Dequantizer.Dequantize([-127, 127], DataType.DtQint8, -2f, 2f, "SCALED", narrowRange: true);
        Assert.Equal(-2f, scaledSigned[0], 5);
        Assert.Equal(2f, scaledSigned[1], 5);
    }

    [Fact]
    public void Import_QuantizedWeightConstant_IsFoldedAndUsedByTheConv()
    {
        const float min = -0.1234f, max = 0.5f;
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 1, 1, 2);
        g.QuantizedConst("q", [0, 255], 1, 1, 2, 1);
        g.Const("min", [min]);
        g.Const("max", [max]);
        g.Op("Dequantize", "weights", ["q", "min", "max"], Str("mode", "MIN_FIRST"), Type("T", DataType.DtQuint8));
        g.Op("Conv2D", "conv", ["x", "weights"], Ints("strides", 1, 1, 1, 1), Str("padding", "VALID"));

        var actual = GraphRun.Once(g.Graph, "x", "conv", [1f, 1f]);

        var step = (max - min) / 255f;
        Assert.Equal((-50 * step) + (205 * step), actual[0], 5);
    }
}
