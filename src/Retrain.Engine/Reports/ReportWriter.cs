using System.Globalization;
using System.Text;
using Retrain.Errors;
using Retrain.IO;

namespace Retrain.Reports;

/// <summary>
/// Writes <c>--report_dir</c>: <c>index.html</c>, the plots as PNG files and the misclassified photos' thumbnails,
/// all in one folder that references nothing outside it. The folder is assembled beside its destination and renamed
/// into place (<see cref="OutputTransaction"/>), so a reader sees the previous report or the new one, never a mix; an
/// earlier report there is replaced, any other non-empty folder refused.
/// </summary>
internal static class ReportWriter
{
    public const string PageName = "index.html";
    public const string AccuracyPlot = "accuracy.png";
    public const string CrossEntropyPlot = "cross_entropy.png";
    public const string ConfusionPlot = "confusion_matrix.png";
    public const string ThumbnailFolder = "thumbnails";

    /// <summary>Keeps a run with thousands of mistakes from writing a page too long to look at.</summary>
    public const int MaxThumbnails = 200;

    /// <summary>
    /// Refuses, before any work, a <paramref name="folder"/> the report cannot replace: a file, or a non-empty folder
    /// that is not an earlier report (one whose index.html retrain wrote).
    /// </summary>
    public static void EnsureUsable(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (File.Exists(full))
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"{Flags.ReportDir} '{folder}' is a file. The report is a folder (index.html and its images): give the path of a new folder.");
        }

        bool replaceable;
        try
        {
            replaceable = !Directory.Exists(full) || !Directory.EnumerateFileSystemEntries(full).Any() || IsReport(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot read {Flags.ReportDir} '{folder}': {e.Message}", e);
        }

        if (!replaceable)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"{Flags.ReportDir} '{folder}' already exists and holds files that are not a report retrain wrote. Choose a new or empty " +
                "folder (an earlier report there is replaced), or empty this one.");
        }
    }

    public static void Write(string folder, RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        EnsureUsable(folder);
        using var outputs = new OutputTransaction();
        outputs.WriteFolder(
            folder,
            staging => Fill(staging, report),
            e => new RetrainException(
                ExitCode.IoError,
                $"Cannot write the report to {Flags.ReportDir} '{folder}': {e.Message} Check that the folder is writable and the disk is not full.",
                e),
            replace: true);
        outputs.Commit();
    }

    private static void Fill(string staging, RunReport report)
    {
        if (report.Curves.Count > 0)
        {
            File.WriteAllBytes(Path.Combine(staging, AccuracyPlot), ReportPlots.Accuracy(report.Curves));
            File.WriteAllBytes(Path.Combine(staging, CrossEntropyPlot), ReportPlots.CrossEntropy(report.Curves));
        }

        if (report.Evaluation is { } evaluation)
        {
            File.WriteAllBytes(Path.Combine(staging, ConfusionPlot), ReportPlots.ConfusionMatrix(evaluation));
        }

        var shown = Math.Min(report.Misclassified.Count, MaxThumbnails);
        var thumbnails = new string?[shown];
        if (shown > 0)
        {
            Directory.CreateDirectory(Path.Combine(staging, ThumbnailFolder));
        }

        for (var i = 0; i < shown; i++)
        {
            if (Thumbnails.Of(report.Misclassified[i].Path) is { } jpeg)
            {
                // Numbered names: a photo's own name may hold anything, and the page must not depend on it.
                var name = ThumbnailFolder + "/" + (i + 1).ToString("0000", CultureInfo.InvariantCulture) + ".jpg";
                File.WriteAllBytes(Path.Combine(staging, name), jpeg);
                thumbnails[i] = name;
            }
        }

        File.WriteAllText(Path.Combine(staging, PageName), ReportPage.Render(report, thumbnails, shown), new UTF8Encoding(false));
    }

    private static bool IsReport(string folder)
    {
        var page = Path.Combine(folder, PageName);
        if (!File.Exists(page))
        {
            return false;
        }

        using var reader = new StreamReader(page);
        var head = new char[1024];
        var read = reader.ReadBlock(head);
        return new string(head, 0, read).Contains($"<meta name=\"generator\" content=\"{ReportPage.Generator}\">", StringComparison.Ordinal);
    }
}
