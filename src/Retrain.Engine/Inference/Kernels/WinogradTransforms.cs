using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Retrain.Inference.Kernels;

/// <summary>
/// The three transforms of Winograd's F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
/// Networks", 2016): filter U = G g G^T, input V = B^T d B over a 6x6 patch, output Y = A^T M A back to a 4x4 tile.
/// These are the interpolation points 0, +-1, +-2 and infinity, whose small coefficients keep fp32 errors near 1e-6.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradTransforms
{
    /// <summary>B^T d B for eight input channels of one tile whose 6x6 patch starts at <paramref name="patch"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransformInput(float* patch, int rowStride, int colStride, float* v, int pointStride)
    {
        // Along each patch row first: rows[r][j] = sum over c of d[r][c] * B[c][j].
        var rows = stackalloc Vector256<float>[36];
        for (var r = 0; r < 6; r++)
        {
            var row = patch + (r * rowStride);
            BT(
                Avx.LoadVector256(row),
                Avx.LoadVector256(row + colStride),
                Avx.LoadVector256(row + (2 * colStride)),
                Avx.LoadVector256(row + (3 * colStride)),
                Avx.LoadVector256(row + (4 * colStride)),
                Avx.LoadVector256(row + (5 * colStride)),
                rows + (r * 6));
        }

        // Then down each column: point (i, j) = sum over r of B^T[i][r] * rows[r][j].
        var column = stackalloc Vector256<float>[6];
        for (var j = 0; j < 6; j++)
        {
            BT(rows[j], rows[6 + j], rows[12 + j], rows[18 + j], rows[24 + j], rows[30 + j], column);
            for (var i = 0; i < 6; i++)
            {
                Avx.Store(v + (((i * 6) + j) * pointStride), column[i]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4, Vector256<float> d5, Vector256<float>* o)
    {
        var four = Vector256.Create(4f);
        var five = Vector256.Create(5f);
        var two = Vector256.Create(2f);
        var a = Fma.MultiplyAddNegated(four, d2, d4);
        var b = Fma.MultiplyAddNegated(four, d1, d3);
        var c = Avx.Subtract(d4, d2);
        var e = Avx.Multiply(two, Avx.Subtract(d3, d1));
        o[0] = Fma.MultiplyAddNegated(five, d2, Fma.MultiplyAdd(four, d0, d4));
        o[1] = Avx.Add(a, b);
        o[2] = Avx.Subtract(a, b);
        o[3] = Avx.Add(c, e);
        o[4] = Avx.Subtract(c, e);
        o[5] = Fma.MultiplyAddNegated(five, d3, Fma.MultiplyAdd(four, d1, d5));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AT(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4, Vector256<float> m5, Vector256<float>* o, int step)
    {
        var two = Vector256.Create(2f);
        var four = Vector256.Create(4f);
        var eight = Vector256.Create(8f);
        var sp = Avx.Add(m1, m2);
        var sm = Avx.Subtract(m1, m2);
        var tp = Avx.Add(m3, m4);
        var tm = Avx.Subtract(m3, m4);
        o[0] = Avx.Add(Avx.Add(m0, sp), tp);
        o[1 * step] = Fma.MultiplyAdd(two, tm, sm);
        o[2 * step] = Fma.MultiplyAdd(four, tp, sp);
        o[3 * step] = Avx.Add(Fma.MultiplyAdd(eight, tm, sm), m5);
    }

    public static void TransformFilter(ReadOnlySpan<float> g, Span<float> u)
    {
        // G is 6x3; U = G g G^T, in double so the transformed weights carry no extra rounding.
        ReadOnlySpan<double> gm =
        [
            1.0 / 4, 0, 0,
            -1.0 / 6, -1.0 / 6, -1.0 / 6,
            -1.0 / 6, 1.0 / 6, -1.0 / 6,
            1.0 / 24, 1.0 / 12, 1.0 / 6,
            1.0 / 24, -1.0 / 12, 1.0 / 6,
            0, 0, 1,
        ];
        Span<double> tmp = stackalloc double[18];
        for (var i = 0; i < 6; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                double sum = 0;
                for (var k = 0; k < 3; k++)
                {
                    sum += gm[(i * 3) + k] * g[(k * 3) + j];
                }

                tmp[(i * 3) + j] = sum;
            }
        }

        for (var i = 0; i < 6; i++)
        {
            for (var j = 0; j < 6; j++)
            {
                double sum = 0;
                for (var k = 0; k < 3; k++)
                {
                    sum += tmp[(i * 3) + k] * gm[(j * 3) + k];
                }

                u[(i * 6) + j] = (float)sum;
            }
        }
    }
}
