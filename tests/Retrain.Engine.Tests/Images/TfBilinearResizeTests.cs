using Retrain.Images;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>TF1 ResizeBilinear (align_corners=false, half_pixel_centers=false) on tiny hand-computed cases and bit-exactly on noise.</summary>
public class TfBilinearResizeTests
{
    /// <summary>An image whose R channel is given; G = R + 1 and B = 255 - R, so channel mix-ups show.</summary>
    private static RgbImage RedChannel(int width, int height, params byte[] red)
    {
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < red.Length; i++)
        {
            (rgb[i * 3], rgb[(i * 3) + 1], rgb[(i * 3) + 2]) = (red[i], (byte)(red[i] + 1), (byte)(255 - red[i]));
        }

        return new RgbImage(width, height, rgb);
    }

    private static float[] Resize(RgbImage image, int outHeight, int outWidth)
    {
        var output = new float[outHeight * outWidth * 3];
        TfBilinearResize.Resize(image, outHeight, outWidth, output);
        return output;
    }

    private static void AssertRed(float[] expectedRed, float[] output)
    {
        Assert.Equal(expectedRed.Length * 3, output.Length);
        for (var i = 0; i < expectedRed.Length; i++)
        {
            Assert.Equal(expectedRed[i], output[i * 3], 4);
            Assert.Equal(expectedRed[i] + 1, output[(i * 3) + 1], 4);
            Assert.Equal(255 - expectedRed[i], output[(i * 3) + 2], 4);
        }
    }

    [Fact]
    public void Resize_2x2To3x3_AnchorsAtTopLeftAndRepeatsTheLastRowAndColumn()
    {
        // scale = 2/3: output x = 0, 1, 2 reads source 0, 0.667, 1.333 -> (0,1,lerp 2/3), (1,1) clamped at the edge.
        //   R = | 0 30 |   ->   |  0 20 30 |
        //       |60 90 |        | 40 60 70 |
        //                       | 60 80 90 |
        // (half_pixel_centers=true would give 45 in the middle; align_corners=true would give 45 too.)
        var output = Resize(RedChannel(2, 2, 0, 30, 60, 90), 3, 3);

        AssertRed([0, 20, 30, 40, 60, 70, 60, 80, 90], output);
    }

    [Fact]
    public void Resize_4x4To2x2_PicksEveryOtherPixelFromTheTopLeft()
    {
        // scale = 2: output 0, 1 reads source 0, 2 with lerp 0 -- no averaging at all (TF1's aliasing downscale).
        var output = Resize(RedChannel(4, 4, [.. Enumerable.Range(0, 16).Select(i => (byte)(i * 10))]), 2, 2);

        AssertRed([0, 20, 80, 100], output);
    }

    [Fact]
    public void Resize_3x3To2x2_InterpolatesHalfway()
    {
        // scale = 1.5: output 1 reads source 1.5 -> halfway between 1 and 2. R = 10x + 100y.
        var output = Resize(RedChannel(3, 3, 0, 10, 20, 100, 110, 120, 200, 210, 220), 2, 2);

        AssertRed([0, 15, 150, 165], output);
    }

    [Fact]
    public void Resize_1x1To3x2_RepeatsThePixel()
    {
        AssertRed([42, 42, 42, 42, 42, 42], Resize(RedChannel(1, 1, 42), 2, 3));
    }

    [Fact]
    public void Resize_SameSize_IsTheSourceExactly()
    {
        var rgb = GeneratedImages.NoiseRgb(13, 7, seed: 11);

        var output = Resize(new RgbImage(13, 7, rgb), 7, 13);

        Assert.Equal(rgb.Select(b => (float)b), output);
    }

    [Theory]
    [InlineData(0, 2, 3, 0, 0, 0f)]
    [InlineData(1, 2, 3, 0, 1, 0.6666667f)]
    [InlineData(2, 2, 3, 1, 1, 0.33333337f)] // upper = min(ceil(1.333), in - 1): clamped, as in TF
    [InlineData(298, 512, 299, 510, 511, 0.2876f)] // 298 * 512 / 299 = 510.2876
    public void Interpolation_FollowsTfLegacyScaler(int outIndex, int inSize, int outSize, int lower, int upper, float lerp)
    {
        var (l, u, f) = TfBilinearResize.Interpolation(outIndex, inSize, outSize);

        Assert.Equal((lower, upper), (l, u));
        Assert.Equal(lerp, f, 3);
    }

    public static TheoryData<int, int, int, int> Sizes() => new()
    {
        { 37, 23, 299, 299 },   // enlarge, odd sizes
        { 500, 375, 224, 224 }, // typical flower photo to MobileNet
        { 512, 341, 299, 299 }, // cat.bmp to Inception
        { 1, 1, 5, 4 },
        { 299, 299, 299, 299 },
        { 640, 17, 3, 128 },    // shrink one axis, enlarge the other
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Resize_MatchesAPlainTranscriptionOfTheTfKernel_BitForBit(int width, int height, int outWidth, int outHeight)
    {
        var rgb = GeneratedImages.NoiseRgb(width, height, seed: width + height);
        var expected = NaiveTf1Kernel(rgb, width, height, outHeight, outWidth);

        Assert.Equal(expected, Resize(new RgbImage(width, height, rgb), outHeight, outWidth));

        // The RGBA path (what ImageLoader uses on decoded pixels, vectorised) must give the same bits.
        var rgba = new byte[width * height * 4];
        for (int s = 0, d = 0; s < rgb.Length; s += 3, d += 4)
        {
            (rgba[d], rgba[d + 1], rgba[d + 2], rgba[d + 3]) = (rgb[s], rgb[s + 1], rgb[s + 2], 77);
        }

        var fromRgba = new float[outHeight * outWidth * 3];
        TfBilinearResize.ResizeNormalize(rgba, width, height, 4, outHeight, outWidth, 0f, 1f, fromRgba);
        Assert.Equal(expected, fromRgba);
    }

    [Fact]
    public void ResizeNormalize_SubtractsMeanThenMultipliesByInverseStd()
    {
        var rgb = GeneratedImages.NoiseRgb(31, 17, seed: 5);
        var plain = Resize(new RgbImage(31, 17, rgb), 20, 40);
        var normalised = new float[plain.Length];
        const float invStd = (float)(1.0 / 127.5);

        TfBilinearResize.ResizeNormalize(rgb, 31, 17, 3, 20, 40, 127.5f, invStd, normalised);

        Assert.Equal(plain.Select(v => (v - 127.5f) * invStd), normalised);
    }

    [Fact]
    public void Resize_DestinationTooSmall_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => TfBilinearResize.Resize(RedChannel(1, 1, 1), 2, 2, new float[11]));
    }

    /// <summary>TF's resize_bilinear_op.cc written out the obvious way: no caching, no vectors.</summary>
    private static float[] NaiveTf1Kernel(byte[] rgb, int width, int height, int outHeight, int outWidth)
    {
        var output = new float[outHeight * outWidth * 3];
        float heightScale = (float)height / outHeight, widthScale = (float)width / outWidth;
        for (var y = 0; y < outHeight; y++)
        {
            var inY = y * heightScale;
            int top = (int)MathF.Floor(inY), bottom = Math.Min((int)MathF.Ceiling(inY), height - 1);
            var yLerp = inY - MathF.Floor(inY);
            for (var x = 0; x < outWidth; x++)
            {
                var inX = x * widthScale;
                int left = (int)MathF.Floor(inX), right = Math.Min((int)MathF.Ceiling(inX), width - 1);
                var xLerp = inX - MathF.Floor(inX);
                for (var c = 0; c < 3; c++)
                {
                    float topLeft = rgb[(((top * width) + left) * 3) + c], topRight = rgb[(((top * width) + right) * 3) + c];
                    float bottomLeft = rgb[(((bottom * width) + left) * 3) + c], bottomRight = rgb[(((bottom * width) + right) * 3) + c];
                    var topValue = topLeft + ((topRight - topLeft) * xLerp);
                    var bottomValue = bottomLeft + ((bottomRight - bottomLeft) * xLerp);
                    output[(((y * outWidth) + x) * 3) + c] = topValue + ((bottomValue - topValue) * yLerp);
                }
            }
        }

        return output;
    }
}
