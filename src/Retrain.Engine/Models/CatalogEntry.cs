using Retrain.Graphs;

namespace Retrain.Models;

/// <summary>
/// One model retrain.py's `create_model_info` knew by name: where its archive is published, which file inside the
/// archive is the frozen graph, and how to feed it. Hash and size are null where they were never published; the hash of
/// the first download is then recorded in the cache (<see cref="ModelCache"/>) and enforced from then on.
/// </summary>
/// <param name="Name">The name users pass to --tfhub_module or --architecture (lower case).</param>
/// <param name="ArchivePath">The archive's path relative to the download base URL.</param>
/// <param name="ModelFile">Path of the frozen graph inside the archive, with '/' separators.</param>
internal sealed record CatalogEntry(
    string Name,
    string ArchivePath,
    string ModelFile,
    string InputNode,
    string BottleneckNode,
    int BottleneckSize,
    int InputSize,
    float InputMean,
    float InputStd,
    string? ArchiveSha256 = null,
    long? ArchiveSize = null)
{
    public string ArchiveFileName => ArchivePath[(ArchivePath.LastIndexOf('/') + 1)..];

    public Uri ArchiveUrl(Uri baseUrl) => new(baseUrl, ArchivePath);

    /// <summary>What retrain.py hard-coded for this model; explicit command-line flags still win.</summary>
    public ModelOverrides Defaults => new(InputNode, BottleneckNode, InputSize, InputSize, InputMean, InputStd);
}
