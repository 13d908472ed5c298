using System.Text.RegularExpressions;
using Retrain.Reports;
using Xunit;

namespace Retrain.Tests.Reports;

public sealed partial class ReportPageTests
{
    private const string ImageDir = "/data/flowers";

    private static readonly string[] Photos = ["/data/flowers/daisy/one.jpg", "/data/flowers/a&b <i>/two.jpg"];

    private static string Render(IReadOnlyList<string?>? thumbnails = null)
    {
        var report = ReportSamples.Report(ImageDir, Photos);
        return ReportPage.Render(report, thumbnails ?? ["thumbnails/0001.jpg", null], report.Misclassified.Count);
    }

    [Fact]
    public void Page_HasEverySection_InOrder()
    {
        var html = Render();

        var positions = ReportPage.Sections.Select(id => html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("<table id=\"per-class\">", html, StringComparison.Ordinal);
        Assert.Contains("<table class=\"heatmap\">", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"parts\">", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"skipped\">", html, StringComparison.Ordinal);
        Assert.Contains("top-3 accuracy <b>100.0%</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_ShowsTheNumbers()
    {
        var html = Render();

        Assert.Contains("Top-1 accuracy <b>50.0%</b>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"label\">daisy</td><td>6</td><td>1</td><td>2</td><td>9</td>", html, StringComparison.Ordinal); // parts
        Assert.Contains("<th>all</th><th>15</th><th>2</th><th>4</th><th>21</th>", html, StringComparison.Ordinal);
        // The most confident mistake first: tulips predicted daisy at 50%, then daisy predicted the hostile label at 60%.
        Assert.Contains("predicted &lt;script&gt;alert(1)&lt;/script&gt; 60.0%</span><br>true daisy 10.0%", html, StringComparison.Ordinal);
        Assert.True(
            html.IndexOf("predicted &lt;script&gt;", StringComparison.Ordinal) < html.IndexOf("predicted daisy 50.0%", StringComparison.Ordinal));
    }

    [Fact]
    public void LabelsPathsAndReasons_AreEscaped()
    {
        var html = Render();

        Assert.DoesNotContain(ReportSamples.HostileLabel, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("a&amp;b &lt;i&gt;/broken.jpg", html, StringComparison.Ordinal); // the skipped file, relative to the image folder
        Assert.Contains("&quot;&lt;img src=x onerror=alert(2)&gt;&quot;", html, StringComparison.Ordinal);
        Assert.Contains("alt=\"daisy/one.jpg\"", html, StringComparison.Ordinal);
        Assert.Contains("<title>retrain report: tiny &lt;model&gt;</title>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_ReferencesNothingOutsideItsFolder()
    {
        var html = Render();

        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("file:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        var sources = Source().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(
            [ReportWriter.AccuracyPlot, ReportWriter.CrossEntropyPlot, ReportWriter.ConfusionPlot, "thumbnails/0001.jpg"],
            sources);
        Assert.Contains("(the photo could not be read now)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyTestPart_SaysSoInsteadOfTables()
    {
        var report = ReportSamples.Report(ImageDir, Photos) with { Evaluation = null, Misclassified = [], Curves = [] };

        var html = ReportPage.Render(report, [], 0);

        Assert.All(ReportPage.Sections, id => Assert.Contains($"<section id=\"{id}\">", html, StringComparison.Ordinal));
        Assert.Contains("The test part is empty", html, StringComparison.Ordinal);
        Assert.Contains("No evaluation step ran", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<img src=\"([^\"]*)\"")]
    private static partial Regex Source();
}
