using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Retrain.Benchmarks;

/// <summary>
/// The cores' fp32 peak, measured in this process: every core runs twelve independent fused multiply-add chains on
/// the widest vectors the JIT accelerates (twelve hide the FMA latency on two FMA pipes), all cores at once. Taken in
/// the same process and at the same time as the inference figures, so compute efficiency compares like with like
/// (clock boost, a noisy neighbour and the VM's CPU share weigh on both). Besides the wall-clock peak of all cores
/// together it gives the peak per CPU-second, which time-slicing on a busy machine does not dilute.
/// </summary>
internal static class CpuPeak
{
    private const int Chains = 12;

    public static string Isa => Vector512.IsHardwareAccelerated ? "avx512-fma" : Vector256.IsHardwareAccelerated ? "avx2-fma" : "scalar";

    private static int Lanes => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 1;

    /// <summary>
    /// GFLOP/s of all <paramref name="threads"/> threads together over about <paramref name="seconds"/>, and GFLOP
    /// per second of CPU time this process got (one core's peak, whatever else the machine is doing).
    /// </summary>
    public static (double Gflops, double GflopsPerCpuSecond) MeasureGflops(int threads, double seconds)
    {
        // Calibrate on one thread, then give every thread the same fixed amount of work.
        long iterations = 1 << 16;
        Run(iterations);
        var clock = Stopwatch.StartNew();
        Run(iterations);
        var perIteration = clock.Elapsed.TotalSeconds / iterations;
        iterations = Math.Max(iterations, (long)(seconds / perIteration));

        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            Run(iterations);
        })
        { IsBackground = true }).ToList();
        workers.ForEach(t => t.Start());
        var cpuAtStart = Rate.CpuTime();
        start.SignalAndWait();
        clock.Restart();
        workers.ForEach(t => t.Join());
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = (Rate.CpuTime() - cpuAtStart).TotalSeconds;
        var gflop = (double)iterations * Chains * Lanes * 2 * threads / 1e9;
        return (gflop / elapsed, gflop / cpu);
    }

    private static float Run(long iterations) =>
        Vector512.IsHardwareAccelerated ? Fma512(iterations) : Vector256.IsHardwareAccelerated ? Fma256(iterations) : FmaScalar(iterations);

    // a = a * m + c converges to c / (1 - m) = 1: no overflow, no denormals, nothing the JIT can fold away.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma256(long iterations)
    {
        var m = Vector256.Create(0.9999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512(long iterations)
    {
        var m = Vector512.Create(0.9999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FmaScalar(long iterations)
    {
        var sum = 0f;
        for (var chain = 0; chain < Chains; chain++)
        {
            var a = 1f;
            for (long i = 0; i < iterations; i++)
            {
                a = MathF.FusedMultiplyAdd(a, 0.9999999f, 1e-7f);
            }

            sum += a;
        }

        return sum;
    }
}
