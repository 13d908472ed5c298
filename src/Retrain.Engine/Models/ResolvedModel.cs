using Retrain.Graphs;

namespace Retrain.Models;

/// <summary>
/// A model file found by <see cref="ModelLocator"/>, with what the catalogue knows about it (node names, image size,
/// normalisation as retrain.py hard-coded them; all null for a graph the catalogue does not know).
/// </summary>
/// <param name="CatalogName">The catalogue name it was resolved or recognised as, e.g. "mobilenet_0.25_224".</param>
internal sealed record ResolvedModel(string Path, ModelOverrides Defaults, string? CatalogName)
{
    /// <summary>Set when the file came from the model cache (downloaded now or earlier); null for a path the user gave.</summary>
    internal CachedModel? Cached { get; init; }

    /// <summary>The user's flags, falling back to the catalogue's values where a flag was not given.</summary>
    public ModelOverrides Apply(ModelOverrides user) => new(
        user.InputNode ?? Defaults.InputNode,
        user.OutputNode ?? Defaults.OutputNode,
        user.InputHeight ?? Defaults.InputHeight,
        user.InputWidth ?? Defaults.InputWidth,
        user.InputMean ?? Defaults.InputMean,
        user.InputStd ?? Defaults.InputStd)
    {
        Arrangement = user.Arrangement,
    };
}
