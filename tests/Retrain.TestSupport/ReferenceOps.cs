namespace Retrain.Tests.TestSupport;

/// <summary>
/// Straightforward NHWC loops with TensorFlow's semantics, written from TF's op documentation, to check the
/// importer's ONNX output against values computed independently in C#. Batch 1 only, for brevity.
/// </summary>
public static class ReferenceOps
{
    /// <summary>TF's SAME/VALID geometry: (output size, padding before) for one spatial dimension.</summary>
    public static (int Output, int PadBefore) Window(int input, int kernel, int stride, int dilation, bool same)
    {
        var effective = ((kernel - 1) * dilation) + 1;
        if (!same)
        {
            return (((input - effective) / stride) + 1, 0);
        }

        var output = (input + stride - 1) / stride;
        var total = Math.Max(((output - 1) * stride) + effective - input, 0);
        return (output, total / 2);
    }

    /// <summary>Conv2D: x [H,W,C], filter [KH,KW,C,O] (HWIO); out[y,x,o] = sum x[y*s+i*d-pad, ...] * f[i,j,c,o].</summary>
    public static float[] Conv2D(float[] x, int h, int w, int c, float[] filter, int kh, int kw, int o,
        int stride, int dilation, bool same, out int outH, out int outW)
    {
        var (oh, padTop) = Window(h, kh, stride, dilation, same);
        var (ow, padLeft) = Window(w, kw, stride, dilation, same);
        var result = new float[oh * ow * o];
        for (var y = 0; y < oh; y++)
        {
            for (var xx = 0; xx < ow; xx++)
            {
                for (var oc = 0; oc < o; oc++)
                {
                    double sum = 0;
                    for (var i = 0; i < kh; i++)
                    {
                        for (var j = 0; j < kw; j++)
                        {
                            var sy = (y * stride) + (i * dilation) - padTop;
                            var sx = (xx * stride) + (j * dilation) - padLeft;
                            if (sy < 0 || sy >= h || sx < 0 || sx >= w)
                            {
                                continue;
                            }

                            for (var ic = 0; ic < c; ic++)
                            {
                                sum += x[(((sy * w) + sx) * c) + ic] * filter[(((((i * kw) + j) * c) + ic) * o) + oc];
                            }
                        }
                    }

                    result[(((y * ow) + xx) * o) + oc] = (float)sum;
                }
            }
        }

        (outH, outW) = (oh, ow);
        return result;
    }

    /// <summary>DepthwiseConv2dNative: filter [KH,KW,C,M]; output channel c*M+m convolves input channel c with f[:,:,c,m].</summary>
    public static float[] Depthwise(float[] x, int h, int w, int c, float[] filter, int kh, int kw, int m,
        int stride, bool same, out int outH, out int outW)
    {
        var (oh, padTop) = Window(h, kh, stride, 1, same);
        var (ow, padLeft) = Window(w, kw, stride, 1, same);
        var result = new float[oh * ow * c * m];
        for (var y = 0; y < oh; y++)
        {
            for (var xx = 0; xx < ow; xx++)
            {
                for (var ic = 0; ic < c; ic++)
                {
                    for (var mm = 0; mm < m; mm++)
                    {
                        double sum = 0;
                        for (var i = 0; i < kh; i++)
                        {
                            for (var j = 0; j < kw; j++)
                            {
                                var sy = (y * stride) + i - padTop;
                                var sx = (xx * stride) + j - padLeft;
                                if (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                {
                                    sum += x[(((sy * w) + sx) * c) + ic] * filter[(((((i * kw) + j) * c) + ic) * m) + mm];
                                }
                            }
                        }

                        result[(((((y * ow) + xx) * c) + ic) * m) + mm] = (float)sum;
                    }
                }
            }
        }

        (outH, outW) = (oh, ow);
        return result;
    }

    /// <summary>
    /// MaxPool / AvgPool: padded taps are skipped, so SAME max ignores the border and SAME average divides by the
    /// number of taps inside the image (TF's AvgPool semantics).
    /// </summary>
    public static float[] Pool(float[] x, int h, int w, int c, int k, int stride, bool same, bool average, out int outH, out int outW)
    {
        var (oh, padTop) = Window(h, k, stride, 1, same);
        var (ow, padLeft) = Window(w, k, stride, 1, same);
        var result = new float[oh * ow * c];
        for (var y = 0; y < oh; y++)
        {
            for (var xx = 0; xx < ow; xx++)
            {
                for (var ch = 0; ch < c; ch++)
                {
                    double sum = 0;
                    var max = float.NegativeInfinity;
                    var taps = 0;
                    for (var i = 0; i < k; i++)
                    {
                        for (var j = 0; j < k; j++)
                        {
                            var sy = (y * stride) + i - padTop;
                            var sx = (xx * stride) + j - padLeft;
                            if (sy >= 0 && sy < h && sx >= 0 && sx < w)
                            {
                                var v = x[(((sy * w) + sx) * c) + ch];
                                sum += v;
                                max = Math.Max(max, v);
                                taps++;
                            }
                        }
                    }

                    result[(((y * ow) + xx) * c) + ch] = average ? (float)(sum / taps) : max;
                }
            }
        }

        (outH, outW) = (oh, ow);
        return result;
    }

    /// <summary>Deterministic pseudo-random values in [-1, 1).</summary>
    public static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }
}
