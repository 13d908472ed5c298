namespace Retrain.Data;

/// <summary>
/// One class: a subfolder of the image directory and its images split into the three parts. Paths are full file paths
/// built from the image directory as the user gave it (see <see cref="ImageListBuilder"/>), sorted ordinally so the
/// lists never depend on the order the file system enumerates them.
/// </summary>
internal sealed record ImageClass(
    string Label,
    string DirectoryName,
    IReadOnlyList<string> Training,
    IReadOnlyList<string> Validation,
    IReadOnlyList<string> Testing)
{
    public int ImageCount => Training.Count + Validation.Count + Testing.Count;

    public IReadOnlyList<string> Part(DatasetPart part) => part switch
    {
        DatasetPart.Training => Training,
        DatasetPart.Validation => Validation,
        DatasetPart.Testing => Testing,
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown dataset part."),
    };
}
