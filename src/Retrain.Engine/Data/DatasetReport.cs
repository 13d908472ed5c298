using Retrain.Training;
using Serilog;

namespace Retrain.Data;

/// <summary>
/// Says, once the bottlenecks are known, how many usable images each part holds and which classes a part lacks. A
/// class of one to three photos (or one whose photos failed to decode) often has none in validation or testing, and
/// one with no training image can never be learned; retrain.py either said nothing or crashed sampling it. Training
/// goes on in every case (<c>RetrainEngine</c> stops only when fewer than two classes have training images).
/// </summary>
internal static class DatasetReport
{
    public static void Log(
        ImageLists lists, LabeledVectors training, LabeledVectors validation, LabeledVectors testing, int skipped, ILogger log)
    {
        log.Information(
            "Usable images: {Training} training, {Validation} validation, {Testing} testing ({Skipped} skipped)",
            training.Count,
            validation.Count,
            testing.Count,
            skipped);

        foreach (var missing in ClassesWithout(lists, training))
        {
            log.Warning(
                "Class '{Label:l}' (folder '{Folder:l}') has no usable training image, so the new layer cannot learn it. Add images to that folder or fix the ones listed above.",
                missing.Label,
                missing.DirectoryName);
        }

        // An empty part is reported by the trainer ("Validation set is empty"); here only the classes a part lacks.
        foreach (var (part, name) in new[] { (validation, "validation"), (testing, "testing") })
        {
            var missing = ClassesWithout(lists, part);
            if (part.Count > 0 && missing.Count > 0)
            {
                log.Warning(
                    "No {Part:l} images for {Count} of {Total} classes: {Labels:l}. Their {Part:l} accuracy is not measured; add images to these folders for a fairer score.",
                    name,
                    missing.Count,
                    lists.ClassCount,
                    string.Join(", ", missing.Select(c => $"'{c.Label}'")),
                    name);
            }
        }
    }

    private static List<ImageClass> ClassesWithout(ImageLists lists, LabeledVectors part)
    {
        var present = part.Labels.ToHashSet();
        return lists.Classes.Where((_, index) => !present.Contains(index)).ToList();
    }
}
