using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>TF MaxPool/AvgPool padding rules and inference-mode batch normalization after import.</summary>
public class PoolingAndNormalizationSemanticsTests
{
    [Theory]
    [InlineData(5, 4, 3, 1, true)]
    [InlineData(6, 7, 3, 2, true)]
    [InlineData(7, 7, 2, 2, false)]
    public void AvgPool_MatchesTensorFlow_DividingByTapsInsideTheImage(int h, int w, int k, int stride, bool same)
    {
        var x = ReferenceOps.Values(h * w * 2, seed: 5);
        var actual = Pool("AvgPool", x, h, w, k, stride, same);
        var expected = ReferenceOps.Pool(x, h, w, 2, k, stride, same, average: true, out _, out _);
        GraphRun.AssertClose(expected, actual);
    }

    [Fact]
    public void AvgPool_Same3x3_CornerIsTheMeanOfFourPixels()
    {
        // 3x3 image of 1..9, one channel: TF's SAME 3x3 average at the top-left corner is (1+2+4+5)/4 = 3,
        // not 12/9 as it would be if the zero padding were counted.
        var actual = Pool("AvgPool", [1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3, 3, 1, true, channels: 1);
        Assert.Equal(3f, actual[0], 5);
        Assert.Equal(5f, actual[4], 5);
    }

    [Theory]
    [InlineData(6, 7, 3, 2, true)]
    [InlineData(5, 5, 2, 2, true)]
    [InlineData(6, 6, 3, 3, false)]
    public void MaxPool_MatchesTensorFlow_NeverPickingThePadding(int h, int w, int k, int stride, bool same)
    {
        // All values negative: a zero-padded max would return 0 at the borders.
        var x = ReferenceOps.Values(h * w * 2, seed: 6).Select(static v => v - 2).ToArray();
        var actual = Pool("MaxPool", x, h, w, k, stride, same);
        var expected = ReferenceOps.Pool(x, h, w, 2, k, stride, same, average: false, out _, out _);
        GraphRun.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData("FusedBatchNorm")]
    [InlineData("FusedBatchNormV3")]
    public void FusedBatchNorm_InferenceMode_UsesItsEpsilon(string op)
    {
        float[] scale = [2f, 0.5f], offset = [0.1f, -1f], mean = [0.3f, -0.2f], variance = [0.04f, 1.5f];
        const float epsilon = 0.5f; // large, so a wrong or default epsilon shows
        var x = ReferenceOps.Values(3 * 2 * 2, seed: 7);
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 3, 2, 2);
        g.Const("scale", scale, 2);
        g.Const("offset", offset, 2);
        g.Const("mean", mean, 2);
        g.Const("variance", variance, 2);
        g.Op(op, "bn", ["x", "scale", "offset", "mean", "variance"], Float("epsilon", epsilon), Bool("is_training", false));

        var actual = GraphRun.Once(g.Graph, "x", "bn", x);

        var expected = x.Select((v, i) =>
        {
            var c = i % 2;
            return (float)((scale[c] * (v - mean[c]) / Math.Sqrt(variance[c] + epsilon)) + offset[c]);
        }).ToArray();
        GraphRun.AssertClose(expected, actual, 1e-5);
    }

    private static float[] Pool(string op, float[] x, int h, int w, int k, int stride, bool same, int channels = 2)
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, h, w, channels);
        g.Op(op, "pool", ["x"], Ints("ksize", 1, k, k, 1), Ints("strides", 1, stride, stride, 1), Str("padding", same ? "SAME" : "VALID"));
        return GraphRun.Once(g.Graph, "x", "pool", x);
    }
}
