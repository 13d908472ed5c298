using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Retrain.Images;

/// <summary>
/// TensorFlow 1's <c>ResizeBilinear</c> op with <c>align_corners=false, half_pixel_centers=false</c> (what
/// <c>tf.image.resize_bilinear</c> did by default, and what retrain.py / label_image.py feed their networks), on the
/// CPU kernel's float32 arithmetic so results match TF bit for bit:
/// <c>scale = (float)in / out</c>; <c>src = (float)dst * scale</c>; <c>lower = floor(src)</c>,
/// <c>upper = min(ceil(src), in - 1)</c>, <c>lerp = src - floor(src)</c>; then
/// <c>top = tl + (tr - tl) * xlerp</c>, <c>bottom = bl + (br - bl) * xlerp</c>, <c>top + (bottom - top) * ylerp</c>.
/// Output is float and not rounded (TF returns float32).
/// </summary>
internal static class TfBilinearResize
{
    /// <summary>Resizes to <paramref name="outHeight"/> x <paramref name="outWidth"/> x 3 floats in [0, 255].</summary>
    public static void Resize(RgbImage source, int outHeight, int outWidth, Span<float> destinationHwc)
    {
        ArgumentNullException.ThrowIfNull(source);
        ResizeNormalize(source.Pixels, source.Width, source.Height, 3, outHeight, outWidth, 0f, 1f, destinationHwc);
    }

    /// <summary>
    /// Resize fused with retrain.py's normalisation <c>(resized - mean) * invStd</c> (<c>tf.subtract</c> then
    /// <c>tf.multiply</c> by <c>1.0 / input_std</c>): one pass over the output instead of two. With mean 0 and
    /// invStd 1 the values are the plain resize, exactly. <paramref name="bytesPerPixel"/> is 3 (RGB) or 4 (RGBA,
    /// alpha ignored).
    /// </summary>
    internal static void ResizeNormalize(
        ReadOnlySpan<byte> pixels, int width, int height, int bytesPerPixel,
        int outHeight, int outWidth, float mean, float invStd, Span<float> destination) =>
        ResizeWindowNormalize(
            pixels, width, height, bytesPerPixel, new ResizeWindow(outHeight, outWidth, 0, 0, false), outHeight, outWidth,
            1f, mean, invStd, destination);

    /// <summary>
    /// The <paramref name="outHeight"/> x <paramref name="outWidth"/> window at (<see cref="ResizeWindow.OffsetY"/>,
    /// <see cref="ResizeWindow.OffsetX"/>) of the image resized to <see cref="ResizeWindow.Height"/> x
    /// <see cref="ResizeWindow.Width"/>, mirrored left-right when <see cref="ResizeWindow.Flip"/>, each value
    /// <c>(resized * gain - mean) * invStd</c>: retrain.py's distortion graph (<c>resize_bilinear</c>,
    /// <c>random_crop</c>, <c>random_flip_left_right</c>, <c>multiply</c> by brightness, then the input
    /// normalisation) in one pass that only interpolates the pixels the window keeps. Each kept value is bit-identical
    /// to the full resize's value at that position, and a gain of 1 leaves the values exactly as the plain resize.
    /// </summary>
    internal static void ResizeWindowNormalize(
        ReadOnlySpan<byte> pixels, int width, int height, int bytesPerPixel, ResizeWindow window,
        int outHeight, int outWidth, float gain, float mean, float invStd, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        if (bytesPerPixel is not (3 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerPixel), bytesPerPixel, "3 (RGB) or 4 (RGBA) bytes per pixel.");
        }

        if (window.OffsetY < 0 || window.OffsetX < 0 || window.OffsetY + outHeight > window.Height || window.OffsetX + outWidth > window.Width)
        {
            throw new ArgumentOutOfRangeException(
                nameof(window),
                window,
                $"A {outHeight}x{outWidth} window at ({window.OffsetY}, {window.OffsetX}) does not fit in {window.Height}x{window.Width}.");
        }

        if (pixels.Length < (long)width * height * bytesPerPixel)
        {
            throw new ArgumentException($"{width}x{height}x{bytesPerPixel} pixels need {(long)width * height * bytesPerPixel} bytes, got {pixels.Length}.", nameof(pixels));
        }

        var outLength = (long)outHeight * outWidth * 3;
        if (destination.Length < outLength)
        {
            throw new ArgumentException($"{outHeight}x{outWidth}x3 needs {outLength} floats, the destination has {destination.Length}.", nameof(destination));
        }

        var xLower = ArrayPool<int>.Shared.Rent(outWidth);
        var xUpper = ArrayPool<int>.Shared.Rent(outWidth);
        var xLerp = ArrayPool<float>.Shared.Rent(outWidth);
        var rowA = ArrayPool<float>.Shared.Rent(outWidth * 4);
        var rowB = ArrayPool<float>.Shared.Rent(outWidth * 4);
        try
        {
            for (var x = 0; x < outWidth; x++)
            {
                var column = window.OffsetX + (window.Flip ? outWidth - 1 - x : x);
                var (lower, upper, lerp) = Interpolation(column, width, window.Width);
                xLower[x] = lower * bytesPerPixel;
                xUpper[x] = upper * bytesPerPixel;
                xLerp[x] = lerp;
            }

            var rows = new RowCache(rowA, rowB);
            var source = new Source(pixels, width * bytesPerPixel, bytesPerPixel, xLower, xUpper, xLerp, outWidth);
            for (var y = 0; y < outHeight; y++)
            {
                var (lower, upper, yLerp) = Interpolation(window.OffsetY + y, height, window.Height);
                var top = rows.Get(lower, avoid: upper, source);
                var bottom = upper == lower ? top : rows.Get(upper, avoid: lower, source);
                Vertical(top, bottom, yLerp, gain, mean, invStd, destination.Slice(y * outWidth * 3, outWidth * 3), outWidth);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(xLower);
            ArrayPool<int>.Shared.Return(xUpper);
            ArrayPool<float>.Shared.Return(xLerp);
            ArrayPool<float>.Shared.Return(rowA);
            ArrayPool<float>.Shared.Return(rowB);
        }
    }

    /// <summary>
    /// Which part of a virtual <see cref="Height"/> x <see cref="Width"/> resize to produce: the window starting at
    /// (<see cref="OffsetY"/>, <see cref="OffsetX"/>), mirrored left-right when <see cref="Flip"/>.
    /// </summary>
    internal readonly record struct ResizeWindow(int Height, int Width, int OffsetY, int OffsetX, bool Flip);

    /// <summary>TF's <c>compute_interpolation_weights</c> with the <c>LegacyScaler</c>, in float32.</summary>
    internal static (int Lower, int Upper, float Lerp) Interpolation(int outIndex, int inSize, int outSize)
    {
        var scale = (float)inSize / outSize;
        var at = outIndex * scale;
        var floor = MathF.Floor(at);
        // min(lower, in - 1) never binds in TF's range; it only guards against float surprises.
        var lower = Math.Min(Math.Max((int)floor, 0), inSize - 1);
        var upper = Math.Min((int)MathF.Ceiling(at), inSize - 1);
        return (lower, upper, at - floor);
    }

    private static void Vertical(
        float[] top, float[] bottom, float yLerp, float gain, float mean, float invStd, Span<float> outRow, int outWidth)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(top);
        ref var b = ref MemoryMarshal.GetArrayDataReference(bottom);
        ref var o = ref MemoryMarshal.GetReference(outRow);
        var x = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var yl = Vector128.Create(yLerp);
            var m = Vector128.Create(mean);
            var g = Vector128.Create(gain);
            var s = Vector128.Create(invStd);
            // Each store writes 4 lanes for 3 channels; the 4th lands on the next pixel's R, rewritten next step.
            for (; x < outWidth - 1; x++)
            {
                var tv = Vector128.LoadUnsafe(ref t, (nuint)(x * 4));
                var bv = Vector128.LoadUnsafe(ref b, (nuint)(x * 4));
                ((((tv + ((bv - tv) * yl)) * g) - m) * s).StoreUnsafe(ref o, (nuint)(x * 3));
            }
        }

        for (; x < outWidth; x++)
        {
            for (var c = 0; c < 3; c++)
            {
                var tv = Unsafe.Add(ref t, (x * 4) + c);
                var bv = Unsafe.Add(ref b, (x * 4) + c);
                Unsafe.Add(ref o, (x * 3) + c) = (((tv + ((bv - tv) * yLerp)) * gain) - mean) * invStd;
            }
        }
    }

    /// <summary>
    /// One source image plus the cached x interpolation: produces a horizontally interpolated row (4 floats per
    /// output pixel, the 4th unused) exactly as TF's <c>compute_lerp</c> computes its <c>top</c>/<c>bottom</c>.
    /// </summary>
    private readonly ref struct Source(
        ReadOnlySpan<byte> pixels, int rowBytes, int bytesPerPixel, int[] xLower, int[] xUpper, float[] xLerp, int outWidth)
    {
        private readonly ReadOnlySpan<byte> _pixels = pixels;

        public void Horizontal(int sourceRow, float[] into)
        {
            var row = _pixels.Slice(sourceRow * rowBytes, rowBytes);
            ref var o = ref MemoryMarshal.GetArrayDataReference(into);
            if (bytesPerPixel == 4 && Vector128.IsHardwareAccelerated && row.Length >= 4)
            {
                ref var r = ref MemoryMarshal.GetReference(row);
                for (var x = 0; x < outWidth; x++)
                {
                    var left = Load4(ref Unsafe.Add(ref r, xLower[x]));
                    var right = Load4(ref Unsafe.Add(ref r, xUpper[x]));
                    (left + ((right - left) * Vector128.Create(xLerp[x]))).StoreUnsafe(ref o, (nuint)(x * 4));
                }

                return;
            }

            for (var x = 0; x < outWidth; x++)
            {
                int lo = xLower[x], hi = xUpper[x];
                var lerp = xLerp[x];
                for (var c = 0; c < 3; c++)
                {
                    float left = row[lo + c], right = row[hi + c];
                    Unsafe.Add(ref o, (x * 4) + c) = left + ((right - left) * lerp);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Load4(ref byte pixel)
        {
            var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref pixel)).AsByte();
            return Vector128.ConvertToSingle(Vector128.WidenLower(Vector128.WidenLower(bytes)).AsInt32());
        }
    }

    /// <summary>
    /// The last two horizontally interpolated source rows: consecutive output rows often share a source row
    /// (always when enlarging), and reusing it is bit-identical because the same float operations produced it.
    /// </summary>
    private struct RowCache(float[] a, float[] b)
    {
        private int _rowA = -1;
        private int _rowB = -1;

        public float[] Get(int sourceRow, int avoid, in Source source)
        {
            if (_rowA == sourceRow)
            {
                return a;
            }

            if (_rowB == sourceRow)
            {
                return b;
            }

            // Overwrite the slot that does not hold the row the caller is still using.
            if (_rowA != avoid)
            {
                source.Horizontal(sourceRow, a);
                _rowA = sourceRow;
                return a;
            }

            source.Horizontal(sourceRow, b);
            _rowB = sourceRow;
            return b;
        }
    }
}
