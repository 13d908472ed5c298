using System.Diagnostics;

namespace Retrain.Benchmarks;

/// <summary>Images per wall-clock second, and milliseconds of this process's CPU time (all threads) per image.</summary>
internal readonly record struct Rate(double ImagesPerSecond, double CpuMsPerImage)
{
    public static Clock Start() => new(Stopwatch.StartNew(), CpuTime());

    public static double MedianImagesPerSecond(IReadOnlyCollection<Rate> rates) => Stats.Median([.. rates.Select(r => r.ImagesPerSecond)]);

    public static double MedianCpuMs(IReadOnlyCollection<Rate> rates) => Stats.Median([.. rates.Select(r => r.CpuMsPerImage)]);

    /// <summary>CPU time this process has used, on every thread.</summary>
    internal static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    public sealed class Clock(Stopwatch wall, TimeSpan cpuAtStart)
    {
        public double Seconds => wall.Elapsed.TotalSeconds;

        public Rate Stop(int images) =>
            new(images / wall.Elapsed.TotalSeconds, (CpuTime() - cpuAtStart).TotalMilliseconds / images);
    }
}
