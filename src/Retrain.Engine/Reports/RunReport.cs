using Retrain.Evaluation;
using Retrain.Training;

namespace Retrain.Reports;

/// <summary>
/// Everything <c>--report_dir</c> shows about one run: what was trained, the training curves, the dataset, and the
/// test evaluation (null when the test part was empty) with the photos it got wrong.
/// </summary>
internal sealed record RunReport(
    string Model,
    int Steps,
    IReadOnlyList<CurvePoint> Curves,
    DatasetSummary Dataset,
    TestEvaluation? Evaluation,
    IReadOnlyList<MisclassifiedPhoto> Misclassified)
{
    /// <summary>
    /// Reads the misclassified photos and their scores from the final test batch: <see cref="TestResult.Paths"/> and
    /// the probability rows are in the same order.
    /// </summary>
    public static IReadOnlyList<MisclassifiedPhoto> MisclassifiedOf(TestResult test, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(labels);
        var classCount = labels.Count;
        var photos = new List<MisclassifiedPhoto>();
        if (test.Paths.Length != test.Count || test.TrueClasses.Length != test.Count)
        {
            return photos;
        }

        for (var i = 0; i < test.Count; i++)
        {
            var row = test.Probabilities.AsSpan(i * classCount, classCount);
            var predicted = SoftmaxKernel.ArgMax(row);
            var truth = test.TrueClasses[i];
            if (predicted != truth)
            {
                photos.Add(new MisclassifiedPhoto(test.Paths[i], labels[truth], labels[predicted], row[predicted], row[truth]));
            }
        }

        return photos.OrderByDescending(p => p.PredictedScore).ToList();
    }
}
