using Retrain.Images;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>
/// The distortion pass (resize to a pre-crop size, keep a window, mirror, scale the values, normalise) must give,
/// value for value and bit for bit, what retrain.py's graph computes from the full pre-crop resize.
/// </summary>
public class TfBilinearResizeWindowTests
{
    [Theory]
    [InlineData(3, 30, 20, 40, 50, 17, 11, 3, 7, false)]
    [InlineData(3, 30, 20, 40, 50, 17, 11, 0, 0, true)]
    [InlineData(4, 23, 17, 31, 29, 23, 29, 8, 0, true)]
    [InlineData(4, 500, 375, 246, 246, 224, 224, 22, 9, true)]
    [InlineData(3, 9, 7, 12, 12, 12, 12, 0, 0, false)]
    public void Window_IsTheFullPrecropResize_Cropped_Mirrored_Brightened_Normalised(
        int bytesPerPixel, int width, int height, int precropHeight, int precropWidth, int outHeight, int outWidth,
        int offsetY, int offsetX, bool flip)
    {
        var random = new Random(width * height);
        var pixels = new byte[width * height * bytesPerPixel];
        random.NextBytes(pixels);
        const float Gain = 1.137f, Mean = 127.5f, InvStd = (float)(1.0 / 127.5);

        var full = new float[precropHeight * precropWidth * 3];
        TfBilinearResize.ResizeNormalize(pixels, width, height, bytesPerPixel, precropHeight, precropWidth, 0f, 1f, full);
        var window = new float[outHeight * outWidth * 3];
        TfBilinearResize.ResizeWindowNormalize(
            pixels, width, height, bytesPerPixel, new TfBilinearResize.ResizeWindow(precropHeight, precropWidth, offsetY, offsetX, flip),
            outHeight, outWidth, Gain, Mean, InvStd, window);

        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                var sourceX = offsetX + (flip ? outWidth - 1 - x : x);
                for (var c = 0; c < 3; c++)
                {
                    var resized = full[((((offsetY + y) * precropWidth) + sourceX) * 3) + c];
                    var expected = ((resized * Gain) - Mean) * InvStd;
                    Assert.Equal(expected, window[(((y * outWidth) + x) * 3) + c]);
                }
            }
        }
    }

    [Theory]
    [InlineData(10, 10, 1, 0)]
    [InlineData(10, 10, 0, 1)]
    [InlineData(10, 10, -1, 0)]
    public void Window_OutsideThePrecropImage_IsRefused(int precropHeight, int precropWidth, int offsetY, int offsetX)
    {
        var pixels = new byte[4 * 4 * 3];
        var window = new float[10 * 10 * 3];
        Assert.Throws<ArgumentOutOfRangeException>(() => TfBilinearResize.ResizeWindowNormalize(
            pixels, 4, 4, 3, new TfBilinearResize.ResizeWindow(precropHeight, precropWidth, offsetY, offsetX, false),
            10, 10, 1f, 0f, 1f, window));
    }
}
