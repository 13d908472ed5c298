using System.Globalization;

namespace Retrain.Benchmarks;

/// <summary>
/// The whole `retrain` command as a user runs it, in its own process with a cold bottleneck cache and retrain.py's
/// defaults (4,000 steps unless --steps says otherwise): wall time from process start to exit and the process's peak resident memory.
/// </summary>
internal static class RetrainCommandBench
{
    public static (double Seconds, double PeakRssMb) Run(string dll, string imageDir, string model, int steps, string workDir)
    {
        var dir = Path.Combine(workDir, "retrain-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (seconds, stdout, peak) = ChildProcess.Run(dll,
            [
                "--image_dir", imageDir, "--tfhub_module", model, "--bottleneck_dir", Path.Combine(dir, "bottlenecks"),
                "--output_graph", Path.Combine(dir, "output_graph.pb"), "--output_labels", Path.Combine(dir, "output_labels.txt"),
                "--how_many_training_steps", steps.ToString(CultureInfo.InvariantCulture),
            ]);
            if (!stdout.Contains("Final test accuracy", StringComparison.Ordinal) && !File.Exists(Path.Combine(dir, "output_graph.pb")))
            {
                throw new InvalidOperationException("retrain finished without writing its graph: " + stdout);
            }

            return (seconds, peak);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    public static string Describe(IReadOnlyList<(double Seconds, double PeakRssMb)> runs) => string.Create(
        CultureInfo.InvariantCulture,
        $"retrain_command_s={Stats.F(Stats.Median([.. runs.Select(r => r.Seconds)]))} retrain_peak_rss_mb={Stats.F(runs.Max(r => r.PeakRssMb))} " +
        $"runs={Stats.List(runs.Select(r => r.Seconds))}");
}
