using Retrain.Backbones;
using Retrain.Outputs;

namespace Retrain;

/// <summary>
/// One output retrain can write: its flag, where the options put it, its kind and the backbone kinds that can write it.
/// Adding an output is adding one of these to <see cref="OutputPlan.Specs"/>.
/// </summary>
/// <param name="Example">A file name the "is a folder" error suggests.</param>
internal sealed record OutputSpec(string Flag, OutputKind Kind, BackboneKind WrittenFor, string Example, Func<RetrainOptions, string?> PathIn)
{
    /// <summary>The backbone kinds whose retrained model exists only as this output, so it must be asked for.</summary>
    public BackboneKind RequiredFor { get; init; }

    /// <summary>The flag that asks for this output when it is not its own (a folder with a default path).</summary>
    public string? RequestedBy { get; init; }

    /// <summary>
    /// Written only by the backbone kinds that can, and silently left out by the others: output_graph.pb always has
    /// a path (retrain.py's default), so a backbone that cannot hold it must not be refused for it.
    /// </summary>
    public bool SkippedWhereUnsupported { get; init; }

    /// <summary>A folder written whole (into a new or empty folder, or over an earlier report), so no other output may lie inside it.</summary>
    public bool MustBeNewFolder { get; init; }

    /// <summary>
    /// A folder that may not be written but holds subfolders is not refused up front: a run that only reads one of
    /// them may use it as it is (the bottleneck cache, <see cref="Bottlenecks.BottleneckCache.EnsureWritable"/>).
    /// </summary>
    public bool UsableReadOnly { get; init; }

    /// <summary>Lies in the per-user temporary folder unless its flag is given (<see cref="DefaultPaths"/>).</summary>
    public bool HasDefault { get; init; }
}
