using System.Globalization;
using System.Text.RegularExpressions;

namespace Retrain.Benchmarks;

/// <summary>
/// The whole `retrain` command as a user runs it, in its own process with a cold bottleneck cache and retrain.py's
/// defaults (4,000 steps unless --steps says otherwise): wall time from process start to exit and the process's peak resident memory.
/// </summary>
internal static class RetrainCommandBench
{
    public static (double Seconds, double PeakRssMb) Run(string dll, string imageDir, string model, int steps, string workDir, string[] deviceArguments) =>
        InRunFolder(workDir, dir =>
        {
            var (seconds, stdout, peak) = ChildProcess.Run(dll, [.. Arguments(imageDir, model, steps, Path.Combine(dir, "bottlenecks"), dir), .. deviceArguments]);
            if (!stdout.Contains("Final test accuracy", StringComparison.Ordinal) && !File.Exists(Path.Combine(dir, "output_graph.pb")))
            {
                throw new InvalidOperationException("retrain finished without writing its graph: " + stdout);
            }

            return (seconds, peak);
        });

    /// <summary>
    /// retrain with all four distortion flags (10% each, as the retrain.py articles use them) for
    /// <paramref name="steps"/> steps on a warm cache: the seconds per training step and distorted images per second
    /// the command itself reports, so the figure is what a user sees in their log.
    /// </summary>
    public static (double SecondsPerStep, double ImagesPerSecond) RunDistorted(string dll, string imageDir, string model, int steps, string bottleneckDir, string workDir, string[] deviceArguments) =>
        InRunFolder(workDir, dir =>
        {
            var (_, stdout, stderr, _) = ChildProcess.RunCapturingLog(dll,
            [
                .. Arguments(imageDir, model, steps, bottleneckDir, dir),
                "--flip_left_right", "--random_crop", "10", "--random_scale", "10", "--random_brightness", "10",
                .. deviceArguments,
            ]);
            var line = Regex.Match(stderr + stdout, @"Distorted \d+ training images in [0-9.]+ s: ([0-9.]+) s per step, ([0-9.]+) images/s");
            if (!line.Success)
            {
                throw new InvalidOperationException("retrain did not report its distorted training: " + stderr + stdout);
            }

            return (double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture));
        });

    public static string Describe(IReadOnlyList<(double Seconds, double PeakRssMb)> runs) => string.Create(
        CultureInfo.InvariantCulture,
        $"retrain_command_s={Stats.F(Stats.Median([.. runs.Select(r => r.Seconds)]))} retrain_peak_rss_mb={Stats.F(runs.Max(r => r.PeakRssMb))} " +
        $"runs={Stats.List(runs.Select(r => r.Seconds))}");

    private static string[] Arguments(string imageDir, string model, int steps, string bottleneckDir, string outputDir) =>
    [
        "--image_dir", imageDir, "--tfhub_module", model, "--bottleneck_dir", bottleneckDir,
        "--output_graph", Path.Combine(outputDir, "output_graph.pb"), "--output_labels", Path.Combine(outputDir, "output_labels.txt"),
        "--how_many_training_steps", steps.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>Runs <paramref name="body"/> with a fresh folder for one run's outputs, deleted afterwards.</summary>
    private static T InRunFolder<T>(string workDir, Func<string, T> body)
    {
        var dir = Path.Combine(workDir, "retrain-" + Guid.NewGuid().ToString("N"));
        try
        {
            return body(dir);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
