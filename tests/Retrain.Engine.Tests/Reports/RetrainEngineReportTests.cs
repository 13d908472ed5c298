using Retrain.Reports;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Reports;

/// <summary>--report_dir on a real tiny run: what the page shows agrees with the run's result.</summary>
public sealed class RetrainEngineReportTests : IDisposable
{
    private readonly TinyRetrain _tiny = new(perClass: 10);

    public void Dispose() => _tiny.Dispose();

    [Fact]
    public void Run_WritesTheReport_WithTheRunsCurvesSplitAndMistakes()
    {
        var broken = Path.Combine(_tiny.ImageDir, "red", "broken.jpg");
        File.WriteAllBytes(broken, [0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        // Two steps at a low rate: the layer is still near its random start, so some test photos are wrong.
        var options = _tiny.Options() with { ReportDir = _tiny.PathOf("run", "report"), HowManyTrainingSteps = 2, LearningRate = 0.001f, EvalStepInterval = 1 };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

        var html = File.ReadAllText(Path.Combine(options.ReportDir!, ReportWriter.PageName));
        Assert.All(ReportPage.Sections, id => Assert.Contains($"<section id=\"{id}\">", html, StringComparison.Ordinal));
        Assert.Contains(
            $"<th>all</th><th>{result.TrainingImages}</th><th>{result.ValidationImages}</th><th>{result.TestingImages}</th>",
            html,
            StringComparison.Ordinal);
        Assert.Contains("red/broken.jpg</td>", html, StringComparison.Ordinal);
        Assert.Contains(result.SkippedImages.Single().Reason.Split(' ')[0], html, StringComparison.Ordinal);
        var wrong = result.Training.Test.Misclassified.Count;
        Assert.True(wrong > 0, "the tiny run got every test photo right; the test needs a mistake to show");
        Assert.Contains($"<p>{wrong} of {result.TestingImages} test photos", html, StringComparison.Ordinal);
        Assert.Equal(wrong, Directory.GetFiles(Path.Combine(options.ReportDir!, ReportWriter.ThumbnailFolder)).Length);
        foreach (var m in result.Training.Test.Misclassified)
        {
            Assert.Contains(System.Net.WebUtility.HtmlEncode(Path.GetRelativePath(_tiny.ImageDir, m.Path)), html, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(options.ReportDir!, ReportWriter.AccuracyPlot)));
    }
}
