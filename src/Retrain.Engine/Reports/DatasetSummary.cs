using Retrain.Bottlenecks;
using Retrain.Training;

namespace Retrain.Reports;

/// <summary>
/// The usable images of each class in each part (training, validation, testing) and the files skipped because they
/// could not be read or decoded, with the reason each one was skipped.
/// </summary>
internal sealed record DatasetSummary(
    string ImageDir,
    IReadOnlyList<string> Labels,
    IReadOnlyList<ClassCounts> Classes,
    IReadOnlyList<ImageFailure> Skipped)
{
    public static DatasetSummary Of(
        string imageDir,
        IReadOnlyList<string> labels,
        LabeledVectors training,
        LabeledVectors validation,
        LabeledVectors testing,
        IReadOnlyList<ImageFailure> skipped)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var counts = new[] { training, validation, testing }.Select(part => CountPerClass(part, labels.Count)).ToArray();
        var classes = labels.Select((label, c) => new ClassCounts(label, counts[0][c], counts[1][c], counts[2][c])).ToList();
        return new DatasetSummary(imageDir, labels, classes, skipped);
    }

    private static int[] CountPerClass(LabeledVectors part, int classCount)
    {
        var counts = new int[classCount];
        foreach (var label in part.Labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
