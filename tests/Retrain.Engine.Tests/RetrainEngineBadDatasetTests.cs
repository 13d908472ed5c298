using Retrain.Data;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// Issue 5, bad dataset shapes through <see cref="RetrainEngine.Run"/> on the tiny backbone: what stops the run
/// (no classes, one class, impossible percentages: before any work) and what only earns a warning (tiny or lopsided
/// classes, empty parts, images in the wrong place).
/// </summary>
public sealed class RetrainEngineBadDatasetTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly string _model;

    public RetrainEngineBadDatasetTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        Directory.CreateDirectory(_imageDir);
        _model = TinyBackbone.Write(_work.Path);
    }

    public void Dispose() => _work.Dispose();

    private RetrainOptions Options => TinyRuns.Options(_work.Path, _imageDir, _model);

    private static RetrainException Fails(RetrainOptions options, ExitCode code)
    {
        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));
        Assert.Equal(code, error.Code);
        Assert.False(File.Exists(options.OutputGraph));
        Assert.False(Directory.Exists(options.BottleneckDir) && Directory.EnumerateFileSystemEntries(options.BottleneckDir).Any());
        return error;
    }

    [Fact]
    public void NoClassFolders_IsBadDatasetNamingTheFolder()
    {
        File.WriteAllBytes(Path.Combine(_imageDir, "loose.png"), TinyDataset.Image("red", seed: 1));

        var error = Fails(Options, ExitCode.BadDataset);

        Assert.StartsWith($"No valid folders of images found at '{_imageDir}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneClass_IsBadDatasetNamingIt()
    {
        TinyDataset.Create(_imageDir, perClass: 5, classes: ["red"]);

        var error = Fails(Options, ExitCode.BadDataset);

        Assert.Contains("multiple classes are needed", error.Message, StringComparison.Ordinal);
        Assert.Contains("'red'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(99, 1)]
    [InlineData(100, 0)]
    public void PercentagesLeavingNoTrainingImages_AreAUsageErrorBeforeAnyWork(double testing, double validation)
    {
        TinyDataset.Create(_imageDir, perClass: 3, classes: ["red", "blue"]);

        var error = Fails(Options with { TestingPercentage = testing, ValidationPercentage = validation }, ExitCode.Usage);

        Assert.Contains("--testing_percentage and --validation_percentage: they add up to 100,", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Options.BottleneckDir));
    }

    [Fact]
    public void ClassWithOneImage_TrainsAndSaysWhichPartsLackIt()
    {
        TinyDataset.Create(_imageDir, perClass: 8, classes: ["blue", "green"]);
        var single = Path.Combine(_imageDir, "red", "only.png");
        Directory.CreateDirectory(Path.GetDirectoryName(single)!);
        File.WriteAllBytes(single, TinyDataset.Image("red", seed: 3));
        var options = Options with { TestingPercentage = 20, ValidationPercentage = 20 };
        var log = new LogCapture();

        var result = RetrainEngine.Run(options, log.Logger, CancellationToken.None);

        Assert.Equal(["blue", "green", "red"], result.Labels);
        Assert.Equal(17, result.TrainingImages + result.ValidationImages + result.TestingImages);
        Assert.True(File.Exists(result.OutputGraph));
        var warnings = log.Messages(LogEventLevel.Warning).ToList();
        Assert.Contains("Folder has less than 20 images, which may cause issues: 'red'", warnings);
        Assert.Contains(
            log.Messages(LogEventLevel.Information),
            m => m == $"Usable images: {result.TrainingImages} training, {result.ValidationImages} validation, {result.TestingImages} testing (0 skipped)");

        // The one photo lands in one part (by its path's hash); the report names the class in the other two.
        var redPart = DatasetSplit.Assign(single, 20, 20);
        Assert.Equal(redPart != DatasetPart.Training, warnings.Contains(
            "Class 'red' (folder 'red') has no usable training image, so the new layer cannot learn it. Add images to that folder or fix the ones listed above."));
        foreach (var (part, name, count) in new[] { (DatasetPart.Validation, "validation", result.ValidationImages), (DatasetPart.Testing, "testing", result.TestingImages) })
        {
            var named = warnings.Any(w => w.StartsWith($"No {name} images for", StringComparison.Ordinal) && w.Contains("'red'", StringComparison.Ordinal));
            var emptied = warnings.Contains(name == "validation" ? "Validation set is empty; skipping validation accuracy." : "Test set is empty; skipping final test accuracy.");
            Assert.True(redPart == part || named || (count == 0 && emptied), $"nothing says that {name} has no 'red' image");
        }
    }

    [Fact]
    public void NoValidationOrTestingPercentage_TrainsAndSaysBothSetsAreEmpty()
    {
        TinyDataset.Create(_imageDir, perClass: 3, classes: ["blue", "red"]);
        var log = new LogCapture();

        var result = RetrainEngine.Run(Options with { TestingPercentage = 0, ValidationPercentage = 0 }, log.Logger, CancellationToken.None);

        Assert.Equal((6, 0, 0), (result.TrainingImages, result.ValidationImages, result.TestingImages));
        Assert.True(double.IsNaN(result.Training.Test.Accuracy));
        Assert.Contains("Validation set is empty; skipping validation accuracy.", log.Messages(LogEventLevel.Warning));
        Assert.Contains("Test set is empty; skipping final test accuracy.", log.Messages(LogEventLevel.Warning));
        Assert.True(File.Exists(result.OutputGraph));
    }

    [Fact]
    public void HugeImbalance_StillLearnsTheSmallClass()
    {
        // Batches pick a class uniformly, then one of its images (retrain.py): 2 red photos weigh as much as 40 blue.
        TinyDataset.Create(_imageDir, perClass: 40, classes: ["blue"]);
        var red = Path.Combine(_imageDir, "red");
        Directory.CreateDirectory(red);
        File.WriteAllBytes(Path.Combine(red, "r1.png"), TinyDataset.Image("red", seed: 1));
        File.WriteAllBytes(Path.Combine(red, "r2.jpg"), TinyDataset.Image("red", seed: 2, png: false));
        var probe = Path.Combine(_work.Path, "probe.png");
        File.WriteAllBytes(probe, TinyDataset.Image("red", seed: 77));

        var result = RetrainEngine.Run(
            Options with { TestingPercentage = 0, ValidationPercentage = 0, HowManyTrainingSteps = 200, LearningRate = 0.5f },
            new LogCapture().Logger,
            CancellationToken.None);
        var labelled = LabelImageEngine.Run(
            new LabelImageOptions { Graph = result.OutputGraph, Labels = result.OutputLabels, Images = [probe] },
            new LogCapture().Logger,
            CancellationToken.None);

        Assert.Equal(42, result.TrainingImages);
        Assert.Equal("red", labelled.Images[0].Top[0].Label);
    }

    [Fact]
    public void ImagesOutsideClassFolders_AreIgnoredWithAWarningNamingWhere()
    {
        TinyDataset.Create(_imageDir, perClass: 4, classes: ["blue", "red"]);
        var deeper = Path.Combine(_imageDir, "blue", "close-ups", "more");
        Directory.CreateDirectory(deeper);
        File.WriteAllBytes(Path.Combine(_imageDir, "blue", "close-ups", "c1.png"), TinyDataset.Image("blue", seed: 11));
        File.WriteAllBytes(Path.Combine(deeper, "c2.png"), TinyDataset.Image("blue", seed: 12));
        Directory.CreateSymbolicLink(Path.Combine(deeper, "up"), ".."); // a loop: must not be followed
        File.WriteAllBytes(Path.Combine(_imageDir, "stray.jpg"), TinyDataset.Image("red", seed: 13, png: false));
        var log = new LogCapture();

        var result = RetrainEngine.Run(Options, log.Logger, CancellationToken.None);

        Assert.Equal(["blue", "red"], result.Labels);
        Assert.Equal(8, result.TrainingImages + result.ValidationImages + result.TestingImages);
        var warnings = log.Messages(LogEventLevel.Warning).ToList();
        Assert.Contains(warnings, w => w.StartsWith($"Ignoring 2 images in '{_imageDir}/blue/close-ups' and below: only the images directly in 'blue' belong to its class.", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith($"Ignoring 1 images in '{_imageDir}': they are not in a class folder.", StringComparison.Ordinal));
    }
}
