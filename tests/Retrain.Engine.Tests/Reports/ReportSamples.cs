using Retrain.Bottlenecks;
using Retrain.Evaluation;
using Retrain.Reports;
using Retrain.Tests.TestSupport;
using TestResult = Retrain.Training.TestResult;

namespace Retrain.Tests.Reports;

/// <summary>Hand-made report contents with hostile labels, paths and reasons, for the page and writer tests.</summary>
internal static class ReportSamples
{
    public const string HostileLabel = "<script>alert(1)</script>";
    public const string HostileFolder = "a&b <i>";
    public const string HostileReason = "not a JPEG: \"<img src=x onerror=alert(2)>\"";

    public static readonly string[] Labels = ["daisy", HostileLabel, "tulips"];

    /// <summary>A report over <paramref name="imageDir"/> whose two misclassified photos are <paramref name="photos"/>.</summary>
    public static RunReport Report(string imageDir, IReadOnlyList<string> photos)
    {
        var test = new TestResult(
            0.5,
            4,
            [],
            [
                0.7f, 0.2f, 0.1f, // daisy, right
                0.1f, 0.6f, 0.3f, // daisy, predicted the hostile label
                0.2f, 0.7f, 0.1f, // hostile label, right
                0.5f, 0.1f, 0.4f, // tulips, predicted daisy
            ])
        {
            TrueClasses = [0, 0, 1, 2],
            Paths = [Path.Combine(imageDir, "daisy", "right.jpg"), photos[0], Path.Combine(imageDir, "x", "right.jpg"), photos[1]],
        };
        var curves = new List<CurvePoint>
        {
            new(0, 0.4, 1.05, 0.3, 1.1),
            new(10, 0.7, 0.6, 0.6, 0.8),
            new(19, 0.9, 0.3, null, null),
        };
        var dataset = new DatasetSummary(
            imageDir,
            Labels,
            [new ClassCounts("daisy", 6, 1, 2), new ClassCounts(HostileLabel, 5, 1, 1), new ClassCounts("tulips", 4, 0, 1)],
            [new ImageFailure(Path.Combine(imageDir, HostileFolder, "broken.jpg"), HostileReason)]);
        return new RunReport("tiny <model>", 20, curves, dataset, TestEvaluation.Of(test, Labels), RunReport.MisclassifiedOf(test, Labels));
    }

    /// <summary>Writes two small photos of different sizes under <paramref name="imageDir"/>, one in a hostile folder name.</summary>
    public static IReadOnlyList<string> Photos(string imageDir)
    {
        var first = Path.Combine(imageDir, "daisy", "wide.png");
        var second = Path.Combine(imageDir, HostileFolder, "tall.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(first)!);
        Directory.CreateDirectory(Path.GetDirectoryName(second)!);
        File.WriteAllBytes(first, TinyDataset.Image((200, 200, 40), 400, 100, new Random(1), png: true));
        File.WriteAllBytes(second, TinyDataset.Image((40, 40, 200), 30, 90, new Random(2), png: false));
        return [first, second];
    }
}
