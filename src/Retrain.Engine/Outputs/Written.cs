namespace Retrain.Outputs;

/// <summary>
/// A path a run writes, for <see cref="OutputLocations"/>' checks against its inputs. <paramref name="Cleared"/>: a
/// folder whose old files the run deletes first (--summaries_dir's train/ and validation/).
/// </summary>
internal readonly record struct Written(string Flag, string? Path, bool Cleared = false);
