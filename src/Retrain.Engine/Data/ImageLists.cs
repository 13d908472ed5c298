namespace Retrain.Data;

/// <summary>
/// The result of <see cref="ImageListBuilder.Create"/>: the classes in label order. A class's index in
/// <see cref="Classes"/> is its output index in the trained layer, and <see cref="Labels"/> is what the labels file holds.
/// </summary>
internal sealed record ImageLists(string ImageDir, IReadOnlyList<ImageClass> Classes)
{
    public int ClassCount => Classes.Count;

    public IReadOnlyList<string> Labels => Classes.Select(c => c.Label).ToArray();

    /// <summary>How many images of all classes fall in <paramref name="part"/>.</summary>
    public int Count(DatasetPart part) => Classes.Sum(c => c.Part(part).Count);

    /// <summary>
    /// Every image of <paramref name="part"/> with its class index, class by class and then in list order: the order
    /// retrain.py's <c>get_random_cached_bottlenecks</c> uses when it takes a whole part (batch size -1).
    /// </summary>
    public IEnumerable<(int ClassIndex, string Path)> Images(DatasetPart part)
    {
        for (var classIndex = 0; classIndex < Classes.Count; classIndex++)
        {
            foreach (var path in Classes[classIndex].Part(part))
            {
                yield return (classIndex, path);
            }
        }
    }
}
