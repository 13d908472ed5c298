using Retrain.Images;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>
/// Inputs for models from outside TensorFlow (issue 18): NCHW, BGR and per-channel mean/std, checked against the plain
/// NHWC pixels of the same image rearranged by hand.
/// </summary>
public class ImageLoaderLayoutTests
{
    private const int Size = 8;

    private static readonly byte[] Png = GeneratedImages.Encode(
        GeneratedImages.NoiseRgb(13, 11, seed: 7), 13, 11, SKEncodedImageFormat.Png);

    private static float[] Load(ImagePreprocessing prep)
    {
        var tensor = new float[prep.TensorLength];
        ImageLoader.LoadInto(Png, "noise.png", prep, tensor);
        return tensor;
    }

    [Fact]
    public void LoadInto_NchwBgrPerChannel_IsThePlainPixelsRearrangedAndNormalised()
    {
        var plain = Load(new ImagePreprocessing(Size, Size, 0f, 1f));
        float[] means = [103.9f, 116.8f, 123.7f];
        float[] stds = [57.4f, 57.1f, 58.4f];
        var prep = new ImagePreprocessing(Size, Size, 0f, 1f)
        {
            Layout = TensorLayout.Nchw,
            ChannelOrder = ChannelOrder.Bgr,
            ChannelMeans = means,
            ChannelStds = stds,
        };

        var actual = Load(prep);

        const int pixels = Size * Size;
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var expected = (plain[(p * 3) + (2 - c)] - means[c]) * (float)(1.0 / stds[c]);
                Assert.Equal(expected, actual[(c * pixels) + p]);
            }
        }
    }

    [Fact]
    public void LoadInto_OneMeanAndStdGivenAsThreeEqualValues_MatchesTheFusedPath()
    {
        var fused = Load(new ImagePreprocessing(Size, Size, 127.5f, 127.5f));
        var arranged = Load(new ImagePreprocessing(Size, Size, 127.5f, 127.5f)
        {
            ChannelMeans = [127.5f, 127.5f, 127.5f],
            ChannelStds = [127.5f, 127.5f, 127.5f],
        });

        Assert.False(arranged.SequenceEqual(new float[arranged.Length]));
        Assert.Equal(fused, arranged);
    }

    [Fact]
    public void LoadInto_PerChannelValuesNotThree_AreRefused()
    {
        var prep = new ImagePreprocessing(Size, Size, 0f, 1f) { ChannelMeans = [1f, 2f] };

        Assert.Throws<ArgumentOutOfRangeException>(() => Load(prep));
    }
}
