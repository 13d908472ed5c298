using System.Text.RegularExpressions;
using Retrain.Reports;
using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue 19, part 4: the report of a tiny real `retrain --report_dir` run, opened in headless Chromium from a copy of
/// its folder (so nothing outside the folder can be reached by a relative path): its sections render, every image
/// loads, and a screenshot is not blank.
/// </summary>
public sealed partial class ReportBrowserTests : IDisposable
{
    // Marks each image with its decoded width once the page has loaded; 0 means the browser could not load it.
    private const string Probe =
        "<script>window.addEventListener('load', function () { document.querySelectorAll('img').forEach(function (i) " +
        "{ i.setAttribute('data-natural-width', String(i.naturalWidth)); }); document.body.setAttribute('data-probed', 'yes'); });</script>";

    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Report_RendersInChromium_WithItsSectionsAndImages()
    {
        var browser = HeadlessChromium.FindOrInstall(Path.Combine(_work.Path, "profile"));
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 8);
        File.WriteAllBytes(Path.Combine(imageDir, "red", "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00]);
        var report = Path.Combine(_work.Path, "report");
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path)) with { HowManyTrainingSteps = 3, EvalStepInterval = 1 };
        // A low rate keeps the layer near its random start, so some test photos are wrong and get thumbnails.
        var (code, _, err) = CliRunner.Run(
            RetrainCommand.Create(), RetrainCommand.Execute, [.. TinyRuns.Arguments(options), "--learning_rate", "0.0001", "--report_dir", report]);
        Assert.True(code == 0, err);
        var thumbnails = Directory.GetFiles(Path.Combine(report, ReportWriter.ThumbnailFolder)).Length;
        Assert.True(thumbnails > 0, "the tiny run got every test photo right; the test needs a mistake to show");

        var copy = Path.Combine(_work.Path, "copy");
        CopyFolder(report, copy);
        var page = Path.Combine(copy, ReportWriter.PageName);
        File.WriteAllText(page, File.ReadAllText(page).Replace("</body>", Probe + "</body>", StringComparison.Ordinal));

        var dom = browser.DumpDom(page);
        Assert.Contains("data-probed=\"yes\"", dom, StringComparison.Ordinal);
        Assert.All(ReportPage.Sections, id => Assert.Matches($"<section id=\"{id}\">\\s*<h[12]>", dom));
        Assert.Contains("broken.jpg", dom, StringComparison.Ordinal);
        var widths = NaturalWidth().Matches(dom).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3 + thumbnails, widths.Count); // accuracy, cross entropy, confusion matrix, the thumbnails
        Assert.All(widths, w => Assert.True(w > 0, "an image of the report did not load in the browser"));

        var screenshot = Path.Combine(_work.Path, "report.png");
        browser.Screenshot(page, screenshot, 1000, 1400);
        using var bitmap = SKBitmap.Decode(screenshot);
        Assert.NotNull(bitmap);
        Assert.Equal(1000, bitmap.Width);
        var (colours, inked) = Ink(bitmap);
        Assert.True(colours > 50 && inked > 0.03, $"the screenshot looks blank: {colours} colours, {inked:P1} of it not white");
    }

    private static (int Colours, double Inked) Ink(SKBitmap bitmap)
    {
        var colours = new HashSet<uint>();
        var inked = 0;
        var sampled = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
        {
            for (var x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                colours.Add((uint)c);
                inked += c.Red < 240 || c.Green < 240 || c.Blue < 240 ? 1 : 0;
                sampled++;
            }
        }

        return (colours.Count, (double)inked / sampled);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex("<img [^>]*data-natural-width=\"(\\d+)\"")]
    private static partial Regex NaturalWidth();
}
