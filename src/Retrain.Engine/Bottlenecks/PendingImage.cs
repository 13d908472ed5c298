namespace Retrain.Bottlenecks;

/// <summary>An image of the pass whose pixels a decoder has written into its slot, waiting for the model.</summary>
/// <param name="Index">Its position in the pass (its vector's slot).</param>
/// <param name="Key">Its content key in the bottleneck cache.</param>
internal readonly record struct PendingImage(int Index, string Key, string Path);
