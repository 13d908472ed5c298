using Retrain.Errors;
using Retrain.Summaries;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 1: `--image_dir data/train --summaries_dir data`, the common train/validation layout, made the
/// clearing of old TensorBoard logs delete every photo in data/train and data/validation. Clearing now removes only
/// retrain's own events files directly in train/ and validation/, and a --summaries_dir whose train/ or validation/
/// is, holds or lies inside --image_dir is refused before any work.
/// </summary>
public sealed class SummariesDirTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _model;

    public SummariesDirTests() => _model = TinyBackbone.Write(_work.Path);

    public void Dispose() => _work.Dispose();

    [Fact]
    public void SummariesDirAboveTheImageFolder_IsAUsageErrorAndKeepsEveryPhoto()
    {
        var data = Path.Combine(_work.Path, "data");
        var train = Path.Combine(data, "train");
        TinyDataset.Create(train, perClass: 6, classes: ["red", "blue"]);
        TinyDataset.Create(Path.Combine(data, "validation"), perClass: 3, classes: ["red", "blue"], seed: 2);
        var options = TinyRuns.Options(_work.Path, train, _model) with { SummariesDir = data };
        var before = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains($"--summaries_dir would write '{train}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--image_dir", error.Message, StringComparison.Ordinal);
        Assert.Contains("Give --summaries_dir a path apart from --image_dir", error.Message, StringComparison.Ordinal);
        before.AssertUnchanged();
    }

    [Theory]
    [InlineData("inside")]
    [InlineData("holds")]
    public void SummariesFolderInsideOrAroundTheImageFolder_IsAUsageError(string where)
    {
        var data = Path.Combine(_work.Path, "data");
        var imageDir = where == "inside" ? data : Path.Combine(data, "train", "photos");
        TinyDataset.Create(imageDir, perClass: 6, classes: ["red", "blue"]);
        var summaries = where == "inside" ? Path.Combine(data, "logs") : data;
        var options = TinyRuns.Options(_work.Path, imageDir, _model) with { SummariesDir = summaries };
        var before = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains(where == "inside" ? $"inside the --image_dir folder '{imageDir}'" : $"which holds the --image_dir input '{imageDir}'", error.Message, StringComparison.Ordinal);
        before.AssertUnchanged();
    }

    [Fact]
    public void AFreshRun_ClearsOnlyOldEventsFiles()
    {
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 6, classes: ["red", "blue"]);
        var summaries = Path.Combine(_work.Path, "logs");
        var oldTrain = _work.File("logs/train/events.out.tfevents.1.old-host", "old run");
        var oldValidation = _work.File("logs/validation/events.out.tfevents.2.old-host", "old run");
        var notes = _work.File("logs/train/notes.txt", "keep me");
        var nested = _work.File("logs/train/run2/events.out.tfevents.3.other", "another run's log");
        var photo = _work.Write("photo.png", TinyDataset.Image("red", seed: 7));
        var validationPhoto = Path.Combine(summaries, "validation", "red.png");
        File.Copy(photo, validationPhoto);
        File.CreateSymbolicLink(Path.Combine(summaries, "validation", "events.out.tfevents.4.link"), photo);
        var options = TinyRuns.Options(_work.Path, imageDir, _model) with { SummariesDir = summaries };
        var before = InputSnapshot.Take(_work.Path);

        RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

        Assert.False(File.Exists(oldTrain));
        Assert.False(File.Exists(oldValidation));
        Assert.Equal("keep me", File.ReadAllText(notes));
        Assert.Equal("another run's log", File.ReadAllText(nested));
        var written = TrainingSummaries.ClearedFolders(summaries)
            .SelectMany(f => Directory.GetFiles(f, "events.out.tfevents.*"))
            .Where(f => new FileInfo(f).LinkTarget is null)
            .ToList();
        Assert.Equal(2, written.Count);
        before.AssertUnchanged([oldTrain, oldValidation, .. written, Path.GetDirectoryName(options.OutputGraph)!, options.BottleneckDir]);
    }
}
