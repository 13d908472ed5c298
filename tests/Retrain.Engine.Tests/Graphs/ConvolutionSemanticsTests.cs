using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>TF Conv2D / DepthwiseConv2dNative semantics (NHWC, HWIO filters, SAME/VALID, strides, dilations) after import.</summary>
public class ConvolutionSemanticsTests
{
    [Theory]
    [InlineData(6, 7, 3, 3, 2, 1, true)]   // height: SAME total pad 1 (odd): the extra row goes at the bottom
    [InlineData(5, 5, 2, 2, 1, 1, true)]   // even kernel, stride 1: total pad 1, all of it after
    [InlineData(9, 8, 2, 3, 1, 2, false)]  // VALID with dilation 2
    [InlineData(8, 9, 3, 3, 1, 2, true)]   // SAME with dilation 2
    [InlineData(7, 7, 4, 1, 2, 1, false)]  // 1x1 VALID stride 2
    public void Conv2D_MatchesTensorFlowSemantics(int h, int w, int kernel, int c, int stride, int dilation, bool same)
    {
        const int outChannels = 4;
        var x = ReferenceOps.Values(h * w * c, seed: 1);
        var filter = ReferenceOps.Values(kernel * kernel * c * outChannels, seed: 2);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, h, w, c);
        g.Const("f", filter, kernel, kernel, c, outChannels);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, stride, stride, 1), Ints("dilations", 1, dilation, dilation, 1),
            Str("padding", same ? "SAME" : "VALID"), Str("data_format", "NHWC"));

        var actual = GraphRun.Once(g.Graph, "x", "conv", x, out var imported);

        var expected = ReferenceOps.Conv2D(x, h, w, c, filter, kernel, kernel, outChannels, stride, dilation, same, out var oh, out var ow);
        Assert.Equal([-1, oh, ow, outChannels], imported.OutputShape);
        GraphRun.AssertClose(expected, actual);
    }

    [Fact]
    public void Conv2D_SameOddPadding_PutsTheExtraRowAtTheBottom()
    {
        // 2x2 input, 2x2 all-ones kernel, stride 1, SAME: output (0,0) sums x[0..1,0..1]; output (1,1) sums only x[1,1]
        // because the single padded row/column is after the data, as in TF (ONNX SAME_LOWER would put it first).
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2, 2, 1);
        g.Const("f", [1, 1, 1, 1], 2, 2, 1, 1);
        g.Op("Conv2D", "conv", ["x", "f"], Ints("strides", 1, 1, 1, 1), Str("padding", "SAME"));

        var actual = GraphRun.Once(g.Graph, "x", "conv", [1, 2, 3, 4]);

        Assert.Equal([10f, 6f, 7f, 4f], actual);
    }

    [Theory]
    [InlineData(7, 6, 3, 2, 2, true)]
    [InlineData(5, 5, 4, 1, 1, true)]
    [InlineData(6, 6, 2, 3, 1, false)]
    public void DepthwiseConv2dNative_MatchesTensorFlowSemantics(int h, int w, int c, int multiplier, int stride, bool same)
    {
        var x = ReferenceOps.Values(h * w * c, seed: 3);
        var filter = ReferenceOps.Values(3 * 3 * c * multiplier, seed: 4);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, h, w, c);
        g.Const("f", filter, 3, 3, c, multiplier);
        g.Op("DepthwiseConv2dNative", "dw", ["x", "f"], Ints("strides", 1, stride, stride, 1), Str("padding", same ? "SAME" : "VALID"));

        var actual = GraphRun.Once(g.Graph, "x", "dw", x, out var imported);

        var expected = ReferenceOps.Depthwise(x, h, w, c, filter, 3, 3, multiplier, stride, same, out var oh, out var ow);
        Assert.Equal([-1, oh, ow, c * multiplier], imported.OutputShape);
        GraphRun.AssertClose(expected, actual);
    }
}
