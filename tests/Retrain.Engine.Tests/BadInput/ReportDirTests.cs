using Retrain.Errors;
using Retrain.Reports;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// `--report_dir` replaces its folder whole, so it must never be a folder of the user's own files or hold an input:
/// each such run is refused before any work, and nothing it reads or finds there changes.
/// </summary>
public sealed class ReportDirTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _model;
    private readonly string _imageDir;

    public ReportDirTests()
    {
        _model = TinyBackbone.Write(_work.Path);
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 6, classes: ["red", "blue"]);
    }

    public void Dispose() => _work.Dispose();

    private RetrainOptions Options(string reportDir) => TinyRuns.Options(_work.Path, _imageDir, _model) with { ReportDir = reportDir };

    [Fact]
    public void AFolderOfOtherFiles_IsRefusedBeforeAnyWork()
    {
        var notes = _work.File("notes/todo.txt", "keep me");
        var options = Options(Path.GetDirectoryName(notes)!);
        var before = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains($"--report_dir '{options.ReportDir}' already exists and holds files that are not a report", error.Message, StringComparison.Ordinal);
        Assert.Contains("Choose a new or empty folder", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.BottleneckDir) && Directory.EnumerateFiles(options.BottleneckDir, "*", SearchOption.AllDirectories).Any()); // before any bottleneck
        before.AssertUnchanged(options.BottleneckDir, Path.GetDirectoryName(options.OutputGraph)!); // the other outputs' folders, made by the writability checks
    }

    [Theory]
    [InlineData("the image folder")]
    [InlineData("inside the image folder")]
    [InlineData("an earlier report holding the image folder")]
    public void AReportOnOrAroundTheImageFolder_IsAUsageError(string where)
    {
        var imageDir = where == "an earlier report holding the image folder" ? Path.Combine(_work.Path, "report", "images") : this._imageDir;
        if (where == "an earlier report holding the image folder")
        {
            TinyDataset.Create(imageDir, perClass: 6, classes: ["red", "blue"]);
            _work.File($"report/{ReportWriter.PageName}", $"<!DOCTYPE html>\n<meta name=\"generator\" content=\"retrain --report_dir\">");
        }

        var reportDir = where switch
        {
            "the image folder" => imageDir,
            "inside the image folder" => Path.Combine(imageDir, "report"),
            _ => Path.Combine(_work.Path, "report"),
        };
        var options = TinyRuns.Options(_work.Path, imageDir, _model) with { ReportDir = reportDir };
        var before = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--report_dir would write", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give --report_dir a path apart from --image_dir", error.Message, StringComparison.Ordinal);
        before.AssertUnchanged();
    }
}
