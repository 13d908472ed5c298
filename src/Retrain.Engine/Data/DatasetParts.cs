using Retrain.Bottlenecks;
using Retrain.Training;

namespace Retrain.Data;

/// <summary>
/// Flattens the image lists into one path list (so every bottleneck is computed in one pipeline pass) and maps the
/// computed vectors back to the training, validation and testing parts, leaving out images that failed to decode.
/// The list is part by part (all training images, then validation, then testing; class by class inside each part, the
/// order a whole-part batch uses), so <see cref="Split"/> can hand each part a contiguous run of the one vector array
/// instead of copying it: the vectors are held in memory once, which matters at 100k images x 2048 floats.
/// </summary>
internal sealed class DatasetParts
{
    private static readonly DatasetPart[] Order = [DatasetPart.Training, DatasetPart.Validation, DatasetPart.Testing];

    private readonly List<(DatasetPart Part, int Label)> _owners = [];

    private DatasetParts()
    {
    }

    public List<string> AllPaths { get; } = [];

    public static DatasetParts From(ImageLists lists)
    {
        var parts = new DatasetParts();
        foreach (var part in Order)
        {
            for (var label = 0; label < lists.Classes.Count; label++)
            {
                parts.Add(lists.Classes[label].Part(part), part, label);
            }
        }

        return parts;
    }

    /// <summary>
    /// The three parts, made from <paramref name="bottlenecks"/>' vectors, which this takes over
    /// (<see cref="BottleneckSet.TakeVectors"/>): the usable vectors are moved down in their one array (over the slots
    /// of failed images) and each part gets its run of it. The set's vectors cannot be read afterwards.
    /// </summary>
    public (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Split(BottleneckSet bottlenecks)
    {
        ArgumentNullException.ThrowIfNull(bottlenecks);
        var length = bottlenecks.VectorLength;
        var (all, available) = bottlenecks.TakeVectors();
        var result = new LabeledVectors[Order.Length];
        var kept = 0;
        var image = 0;
        for (var p = 0; p < Order.Length; p++)
        {
            var first = kept;
            var labels = new List<int>();
            var paths = new List<string>();
            for (; image < AllPaths.Count && _owners[image].Part == Order[p]; image++)
            {
                if (!available[image])
                {
                    continue;
                }

                if (kept != image)
                {
                    // kept < image: moving rows down in increasing order never overwrites a row still to be moved.
                    all.AsSpan(image * length, length).CopyTo(all.AsSpan(kept * length, length));
                }

                labels.Add(_owners[image].Label);
                paths.Add(AllPaths[image]);
                kept++;
            }

            var rows = all.AsMemory(first * length, (kept - first) * length);
            result[p] = new LabeledVectors(length, rows, [.. labels], [.. paths]);
        }

        return (result[0], result[1], result[2]);
    }

    private void Add(IReadOnlyList<string> paths, DatasetPart part, int label)
    {
        foreach (var path in paths)
        {
            AllPaths.Add(path);
            _owners.Add((part, label));
        }
    }
}
