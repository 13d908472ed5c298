using Retrain.Errors;
using Retrain.Reports;
using Retrain.Tests.TestSupport;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests.Reports;

public sealed class ReportWriterTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    private string ImageDir => Path.Combine(_work.Path, "images");

    private string Target => Path.Combine(_work.Path, "out", "report");

    [Fact]
    public void Write_PutsThePageThePlotsAndTheThumbnailsInOneFolder()
    {
        var photos = ReportSamples.Photos(ImageDir);

        ReportWriter.Write(Target, ReportSamples.Report(ImageDir, photos));

        var files = Directory.GetFiles(Target, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Target, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["accuracy.png", "confusion_matrix.png", "cross_entropy.png", "index.html", "thumbnails/0001.jpg", "thumbnails/0002.jpg"],
            files);
        foreach (var plot in new[] { ReportWriter.AccuracyPlot, ReportWriter.CrossEntropyPlot, ReportWriter.ConfusionPlot })
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(Target, plot));
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width >= 400 && bitmap.Height >= 300, $"{plot}: {bitmap.Width}x{bitmap.Height}");
            Assert.True(DistinctColours(bitmap) > 10, $"{plot} looks blank");
        }

        // The most confident mistake first: the tall photo (tulips predicted daisy at 50%) is second.
        AssertThumbnail("thumbnails/0001.jpg", 160, 40); // 400x100, scaled to fit 160
        AssertThumbnail("thumbnails/0002.jpg", 30, 90); // small photos are not enlarged
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(Target)!, ".*")); // no staging folder left
    }

    [Fact]
    public void Write_ReplacesAnEarlierReport_AndRefusesAFolderOfOtherFiles()
    {
        var photos = ReportSamples.Photos(ImageDir);
        ReportWriter.Write(Target, ReportSamples.Report(ImageDir, photos));
        var second = ReportSamples.Report(ImageDir, photos) with { Misclassified = [] };

        ReportWriter.Write(Target, second);

        Assert.False(Directory.Exists(Path.Combine(Target, ReportWriter.ThumbnailFolder))); // the old thumbnails went with the old report
        Assert.Contains("every test photo was classified correctly", File.ReadAllText(Path.Combine(Target, ReportWriter.PageName)), StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(Target)!));

        var other = Path.Combine(_work.Path, "mine");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "index.html"), "<html>my own page</html>");
        var e = Assert.Throws<RetrainException>(() => ReportWriter.Write(other, second));
        Assert.Equal(ExitCode.IoError, e.Code);
        Assert.Contains("--report_dir", e.Message, StringComparison.Ordinal);
        Assert.Equal("<html>my own page</html>", File.ReadAllText(Path.Combine(other, "index.html")));
    }

    [Fact]
    public void EnsureUsable_RefusesAFile()
    {
        var file = Path.Combine(_work.Path, "report");
        File.WriteAllText(file, "x");

        var e = Assert.Throws<RetrainException>(() => ReportWriter.EnsureUsable(file));

        Assert.Equal(ExitCode.IoError, e.Code);
        Assert.Contains("is a file", e.Message, StringComparison.Ordinal);
    }

    private void AssertThumbnail(string name, int width, int height)
    {
        var path = Path.Combine(Target, name);
        using var codec = SKCodec.Create(path);
        Assert.Equal(SKEncodedImageFormat.Jpeg, codec.EncodedFormat);
        Assert.Equal(width, codec.Info.Width);
        Assert.Equal(height, codec.Info.Height);
    }

    private static int DistinctColours(SKBitmap bitmap)
    {
        var colours = new HashSet<uint>();
        for (var y = 0; y < bitmap.Height; y += 3)
        {
            for (var x = 0; x < bitmap.Width; x += 3)
            {
                colours.Add((uint)bitmap.GetPixel(x, y));
            }
        }

        return colours.Count;
    }
}
