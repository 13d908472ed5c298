using Retrain.Bottlenecks;
using Retrain.Data;

namespace Retrain;

/// <summary>
/// The bottleneck stage's result: the counts and failures the report needs, and the vectors, which
/// <see cref="DatasetParts.Split"/> takes over (it compacts them into the three parts).
/// </summary>
internal sealed class BottleneckStage(BottleneckSet set)
{
    public int Computed { get; } = set.Computed;

    public int Reused { get; } = set.Reused;

    public int Imported { get; } = set.Imported;

    public IReadOnlyList<ImageFailure> Failures { get; } = set.Failures;

    /// <summary>The vectors, for <see cref="DatasetParts.Split"/> only: it takes them over, after which they cannot be read.</summary>
    public BottleneckSet Set { get; } = set;
}
