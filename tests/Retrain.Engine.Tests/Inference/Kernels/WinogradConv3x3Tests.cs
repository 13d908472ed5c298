using Retrain.Inference.Kernels;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Inference.Kernels;

public class WinogradConv3x3Tests
{
    public static TheoryData<int, int, int, int, int, int, int, int, bool, int, int> Shapes => new()
    {
        // in, out, height, width, pads (top, left, bottom, right), relu, batch, threads
        { 8, 16, 6, 6, 0, 0, 0, 0, false, 1, 1 },             // exactly one tile
        { 16, 32, 13, 11, 1, 1, 1, 1, true, 2, 2 },           // padded edges, sizes not a multiple of 4, two images
        { 8, 16, 9, 10, 0, 1, 2, 0, false, 3, 2 },            // lopsided padding
        { 24, 16, 31, 29, 0, 0, 0, 0, true, 1, 2 },           // several tile blocks per image
        { 80, 192, 17, 17, 0, 0, 0, 0, true, 1, 2 },          // Inception's widest stem layer, small input
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Run_MatchesADirectConvolution(int inChannels, int outChannels, int height, int width, int top, int left, int bottom, int right, bool relu, int batch, int threads)
    {
        var weights = ReferenceOps.Values(outChannels * inChannels * 9, seed: 1).Select(static v => v / 4).ToArray();
        var bias = ReferenceOps.Values(outChannels, seed: 2);
        var input = ReferenceOps.Values(batch * height * width * inChannels, seed: 3);
        var pads = new Pads(top, left, bottom, right);
        var conv = new WinogradConv3x3(weights, bias, outChannels, inChannels, pads, relu);
        var (outH, outW) = conv.OutputSize(height, width);
        Assert.Equal((height + top + bottom - 2, width + left + right - 2), (outH, outW));
        var output = new float[batch * outH * outW * outChannels];

        // Twice: the second run reuses the kernel's scratch buffers.
        for (var run = 0; run < 2; run++)
        {
            Array.Fill(output, float.NaN);
            conv.Run(input, batch, height, width, output, threads);
            var expected = Direct(input, batch, height, width, inChannels, weights, bias, outChannels, pads, relu);
            var scale = expected.Max(static v => Math.Abs(v));
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(output[i] - expected[i]) <= 2e-5 * scale, $"value {i}: {output[i]} against {expected[i]}");
            }
        }
    }

    [Theory]
    [InlineData(4, 16)]
    [InlineData(8, 12)]
    [InlineData(0, 16)]
    public void Constructor_ChannelCountsTheBlockingCannotHandle_AreRefused(int inChannels, int outChannels)
    {
        Assert.False(WinogradConv3x3.Supports(inChannels, outChannels));
        Assert.Throws<ArgumentException>(() => new WinogradConv3x3(new float[inChannels * outChannels * 9], new float[outChannels], outChannels, inChannels, default, relu: false));
    }

    [Fact]
    public void Run_InputSmallerThanTheFilter_IsAnArgumentError()
    {
        var conv = new WinogradConv3x3(new float[8 * 16 * 9], new float[16], 16, 8, default, relu: false);
        Assert.Throws<ArgumentException>(() => conv.Run(new float[2 * 2 * 8], 1, 2, 2, new float[16], 1));
    }

    /// <summary>ONNX Conv semantics in double: weights [out][in][3][3], NHWC data, explicit zero padding.</summary>
    private static float[] Direct(float[] x, int batch, int h, int w, int c, float[] weights, float[] bias, int o, Pads pads, bool relu)
    {
        var oh = h + pads.Top + pads.Bottom - 2;
        var ow = w + pads.Left + pads.Right - 2;
        var result = new float[batch * oh * ow * o];
        for (var n = 0; n < batch; n++)
        {
            for (var y = 0; y < oh; y++)
            {
                for (var xx = 0; xx < ow; xx++)
                {
                    for (var oc = 0; oc < o; oc++)
                    {
                        double sum = bias[oc];
                        for (var i = 0; i < 3; i++)
                        {
                            for (var j = 0; j < 3; j++)
                            {
                                var sy = y + i - pads.Top;
                                var sx = xx + j - pads.Left;
                                if (sy < 0 || sy >= h || sx < 0 || sx >= w)
                                {
                                    continue;
                                }

                                for (var ic = 0; ic < c; ic++)
                                {
                                    sum += x[(((((n * h) + sy) * w) + sx) * c) + ic] * weights[(((((oc * c) + ic) * 3) + i) * 3) + j];
                                }
                            }
                        }

                        result[(((((n * oh) + y) * ow) + xx) * o) + oc] = (float)(relu ? Math.Max(sum, 0) : sum);
                    }
                }
            }
        }

        return result;
    }
}
