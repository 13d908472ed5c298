namespace Retrain.Tests.TestSupport;

/// <summary>
/// TF1's tf.image.resize_bilinear with align_corners=false and half_pixel_centers=false (the legacy
/// ResizeBilinear kernel): source coordinate = dst * (in/out) in float, neighbours floor and ceil clamped to the
/// image, linear interpolation in float. Test-only: it reproduces how the shared expected scores were made.
/// </summary>
public static class TfResize
{
    /// <summary>Resizes interleaved RGB bytes to <paramref name="side"/>x<paramref name="side"/>, then maps to (x-127.5)/127.5.</summary>
    public static float[] ToMobileNetInput(BmpImage image, int side)
    {
        var resized = Bilinear(image.Rgb, image.Height, image.Width, 3, side, side);
        return resized.Select(static v => (v - 127.5f) / 127.5f).ToArray();
    }

    public static float[] Bilinear(byte[] pixels, int inHeight, int inWidth, int channels, int outHeight, int outWidth)
    {
        var ys = Interpolation(inHeight, outHeight);
        var xs = Interpolation(inWidth, outWidth);
        var output = new float[outHeight * outWidth * channels];
        for (var y = 0; y < outHeight; y++)
        {
            var (top, bottom, yLerp) = ys[y];
            for (var x = 0; x < outWidth; x++)
            {
                var (left, right, xLerp) = xs[x];
                for (var c = 0; c < channels; c++)
                {
                    float At(int row, int column) => pixels[(((row * inWidth) + column) * channels) + c];
                    var topValue = At(top, left) + ((At(top, right) - At(top, left)) * xLerp);
                    var bottomValue = At(bottom, left) + ((At(bottom, right) - At(bottom, left)) * xLerp);
                    output[(((y * outWidth) + x) * channels) + c] = topValue + ((bottomValue - topValue) * yLerp);
                }
            }
        }

        return output;
    }

    private static (int Lower, int Upper, float Lerp)[] Interpolation(int inSize, int outSize)
    {
        var scale = (float)inSize / outSize;
        var result = new (int, int, float)[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var position = i * scale;
            var lower = (int)MathF.Floor(position);
            result[i] = (Math.Max(lower, 0), Math.Min((int)MathF.Ceiling(position), inSize - 1), position - lower);
        }

        return result;
    }
}
