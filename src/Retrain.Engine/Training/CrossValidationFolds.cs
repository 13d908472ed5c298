namespace Retrain.Training;

/// <summary>
/// Stratified k-fold cross-validation folds, as scikit-learn's <c>StratifiedKFold</c> without shuffling (the default
/// of <c>LogisticRegressionCV</c>): each class's photos, in the order they come (the parts' stable hash order), are
/// dealt to the folds in turn, so every fold holds about a k-th of every class and the folds depend on the data alone,
/// not on a seed or on the machine.
/// </summary>
internal sealed class CrossValidationFolds
{
    private readonly int[] _fold;

    public CrossValidationFolds(IReadOnlyList<int> labels, int count)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(labels.Count, count);
        Count = count;
        _fold = new int[labels.Count];
        var dealt = new Dictionary<int, int>();
        // A class's turn starts where the previous class's ended, so small classes do not all land in fold 0.
        var next = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (!dealt.TryGetValue(labels[i], out var turn))
            {
                turn = next;
            }

            _fold[i] = turn % count;
            dealt[labels[i]] = turn + 1;
            next = turn + 1;
        }
    }

    /// <summary>How many folds (k).</summary>
    public int Count { get; }

    /// <summary>The rows held out in fold <paramref name="fold"/>, in order.</summary>
    public int[] HeldOut(int fold) => Rows(fold, heldOut: true);

    /// <summary>The rows fold <paramref name="fold"/> trains on: every row not held out in it, in order.</summary>
    public int[] Training(int fold) => Rows(fold, heldOut: false);

    private int[] Rows(int fold, bool heldOut)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fold);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fold, Count);
        return Enumerable.Range(0, _fold.Length).Where(i => (_fold[i] == fold) == heldOut).ToArray();
    }
}
