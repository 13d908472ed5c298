using System.Globalization;
using System.Text.RegularExpressions;
using LabelImage.Cli;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// The flowers acceptance runs (issues #2 and #6), with the commands samples/flowers shows (MobileNet 0.25_224 on
/// ../shared/datasets/flower_photos_dev), run from a checkout layout (<see cref="CheckoutLayout"/>) so the split is
/// the walkthrough's; what the walkthrough says they print is checked against what they print.
/// </summary>
public class RetrainFlowersCommandTests
{
    private static readonly Walkthrough Flowers = Walkthrough.Load("flowers");

    [Fact]
    public void Flowers_FromACheckoutLayout_ReachAtLeast70PercentTestAccuracy_AsTheWalkthroughShows()
    {
        using var dir = new TempFolder();
        var (code, log, project) = CheckoutLayout.Retrain(dir, Flowers.Arguments("1. Train", 0, "scripts/train.sh"));

        Assert.True(code == 0, log);
        var (accuracy, count) = FinalTestAccuracy(log);
        Assert.Equal(74, count);
        Assert.True(accuracy >= 70, $"test accuracy {accuracy}%\n{log}");
        Assert.Contains("Step 3999: Validation accuracy = ", log, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(project, "out", "output_graph.pb")).Length > 100_000);
        Assert.Equal("daisy\ndandelion\nroses\nsunflowers\ntulips\n", File.ReadAllText(Path.Combine(project, "out", "output_labels.txt")));
        TestContext.Current.SendDiagnosticMessage($"test accuracy {accuracy}%");
        AssertTheWalkthroughShows(project, log);
    }

    /// <summary>
    /// samples/flowers promises the same step figures and accuracy on every run (seed 0), and shows what label-image
    /// prints for one photo: the run above is its step 1, so both must be exactly what the walkthrough shows.
    /// </summary>
    private static void AssertTheWalkthroughShows(string project, string log)
    {
        Flowers.AssertLogShows("1. Train", block: 1, log);

        var image = Flowers.FlagValue("3. Label a photo", block: 0, "--image");
        var (code, output, err) = CliRunner.Run(
            LabelImageCommand.Create(),
            LabelImageCommand.Execute,
            "--graph", Path.Combine(project, "out", "output_graph.pb"),
            "--labels", Path.Combine(project, "out", "output_labels.txt"),
            "--image", Path.GetFullPath(Path.Combine(project, image)));
        Assert.True(code == 0, err);
        Assert.Equal(Flowers.Blocks("3. Label a photo")[1], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Issue #6's bar for distortions: with all four flags, the same number of steps trains to within 5 points of the
    /// undistorted run. 100 steps of 100 photos keep it to about half a minute of distorted inference.
    /// </summary>
    [Fact]
    public void Flowers_WithAllFourDistortions_TrainWithin5PointsOfTheUndistortedRun()
    {
        using var dir = new TempFolder();
        var (plainCode, plainLog, _) = CheckoutLayout.Retrain(dir, [.. Flowers.Arguments("1. Train", 0, "scripts/train.sh"), "--how_many_training_steps", "100"]);
        var (code, log, project) = CheckoutLayout.Retrain(dir, Flowers.Arguments("5. With distortions", 0, "scripts/train.sh"));

        Assert.True(plainCode == 0, plainLog);
        Assert.True(code == 0, log);
        Assert.Contains("Bottlenecks ready: 0 computed, 750 reused from cache", log, StringComparison.Ordinal);
        Assert.Contains("Distorting training images (flip left-right, crop 10%, scale 10%, brightness 10%)", log, StringComparison.Ordinal);
        Assert.Contains("Distorted 10000 training images in ", log, StringComparison.Ordinal);
        var (plain, plainCount) = FinalTestAccuracy(plainLog);
        var (distorted, count) = FinalTestAccuracy(log);
        Assert.Equal(plainCount, count);
        Assert.True(Math.Abs(distorted - plain) <= 5, $"distorted {distorted}% vs undistorted {plain}%");
        Assert.True(new FileInfo(Path.Combine(project, "out", "distorted", "output_graph.pb")).Length > 100_000);
        TestContext.Current.SendDiagnosticMessage($"distorted {distorted}% vs undistorted {plain}%");

        // samples/flowers step 5 runs exactly this and shows its figures, and the undistorted figure in its prose.
        Flowers.AssertLogShows("5. With distortions", block: 1, log);

        var shownPlain = Regex.Match(Flowers.Section("5. With distortions"), @"without the four flags give ([0-9.]+)%");
        Assert.True(shownPlain.Success, "samples/flowers step 5 no longer states the undistorted accuracy");
        Assert.Equal(shownPlain.Groups[1].Value, plain.ToString("0.0", CultureInfo.InvariantCulture));
    }

    private static (double Accuracy, int Count) FinalTestAccuracy(string log)
    {
        var final = Regex.Match(log, @"Final test accuracy = ([0-9.]+)% \(N=(\d+)\)");
        Assert.True(final.Success, log);
        return (double.Parse(final.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(final.Groups[2].Value, CultureInfo.InvariantCulture));
    }
}
