using Retrain.Images;
using Xunit;

namespace Retrain.Tests.Images;

internal static class PixelAssert
{
    public static (byte R, byte G, byte B) At(RgbImage image, int x, int y)
    {
        var i = ((y * image.Width) + x) * 3;
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    public static void Near((byte R, byte G, byte B) expected, (byte R, byte G, byte B) actual, int tolerance, string where)
    {
        var worst = Math.Max(Math.Abs(expected.R - actual.R), Math.Max(Math.Abs(expected.G - actual.G), Math.Abs(expected.B - actual.B)));
        Assert.True(worst <= tolerance, $"{where}: expected {expected} +-{tolerance}, got {actual}");
    }
}
