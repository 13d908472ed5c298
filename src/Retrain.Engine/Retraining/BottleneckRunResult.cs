using Retrain.Bottlenecks;
using Retrain.Data;

namespace Retrain;

/// <summary>What a <c>--bottlenecks_only</c> run cached: the shard's images (all of them without a shard) and how each got its vector.</summary>
public sealed record BottleneckRunResult(
    int Images,
    int Computed,
    int Reused,
    int Imported,
    IReadOnlyList<ImageFailure> SkippedImages,
    Shard? Shard);
