using Retrain.Bottlenecks;
using Retrain.Training;

namespace Retrain.Data;

/// <summary>
/// Flattens the image lists into one path list (so every bottleneck is computed in one pipeline pass) and maps the
/// computed vectors back to the training, validation and testing parts, leaving out images that failed to decode.
/// </summary>
internal sealed class DatasetParts
{
    private readonly List<(DatasetPart Part, int Label)> owners = [];

    private DatasetParts()
    {
    }

    public List<string> AllPaths { get; } = [];

    public static DatasetParts From(ImageLists lists)
    {
        var parts = new DatasetParts();
        for (var label = 0; label < lists.Classes.Count; label++)
        {
            var c = lists.Classes[label];
            parts.Add(c.Training, DatasetPart.Training, label);
            parts.Add(c.Validation, DatasetPart.Validation, label);
            parts.Add(c.Testing, DatasetPart.Testing, label);
        }

        return parts;
    }

    public LabeledVectors Vectors(DatasetPart part, BottleneckSet bottlenecks)
    {
        var indices = Enumerable.Range(0, AllPaths.Count)
            .Where(i => owners[i].Part == part && bottlenecks.Available[i])
            .ToArray();
        var length = bottlenecks.VectorLength;
        var vectors = new float[indices.Length * length];
        for (var k = 0; k < indices.Length; k++)
        {
            bottlenecks.Vector(indices[k]).CopyTo(vectors.AsSpan(k * length, length));
        }

        return new LabeledVectors(
            length,
            vectors,
            indices.Select(i => owners[i].Label).ToArray(),
            indices.Select(i => AllPaths[i]).ToArray());
    }

    private void Add(IReadOnlyList<string> paths, DatasetPart part, int label)
    {
        foreach (var path in paths)
        {
            AllPaths.Add(path);
            owners.Add((part, label));
        }
    }
}
