using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// samples/flowers step 6: the report is step 1's run with --report_dir, and the screenshot it ends with is a small
/// PNG that is in the repository. (Step 1's own run is checked by <see cref="RetrainFlowersCommandTests"/>.)
/// </summary>
public sealed class FlowersReportWalkthroughTests
{
    private const string Heading = "6. See the report";

    private static readonly Walkthrough Flowers = Walkthrough.Load("flowers");

    [Fact]
    public void ReportStep_IsStepOneWithReportDir()
    {
        var train = Flowers.Arguments("1. Train", 0, "scripts/train.sh");
        var report = Flowers.Arguments(Heading, 0, "scripts/train.sh");

        Assert.Equal([.. train, "--report_dir", "out/report"], report);
        // The same run, so the same figures: what step 6 shows, step 1 shows too.
        var shown = Flowers.ReproducibleLogLines(Heading, 1);
        Assert.Contains("Final test accuracy = 85.1% (N=74)", shown);
        Assert.All(shown, line => Assert.Contains(line, Flowers.ReproducibleLogLines("1. Train", 1)));
        Assert.Contains("INF Wrote the report to out/report/index.html", Flowers.Blocks(Heading)[1]);
    }

    [Fact]
    public void Screenshot_IsASmallPngInTheRepository()
    {
        Assert.Contains("](report.png)", Flowers.Section(Heading), StringComparison.Ordinal);
        var png = Path.Combine(SharedData.RepositoryRoot, "samples", "flowers", "report.png");

        Assert.True(new FileInfo(png).Length < 300_000, $"{png} is over 300 KB");
        using var codec = SKCodec.Create(png);
        Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
        Assert.Equal(1000, codec.Info.Width);
    }
}
