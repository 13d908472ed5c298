using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>Issue 19: the folds <c>--optimizer lbfgs</c> picks its L2 strength on.</summary>
public class CrossValidationFoldsTests
{
    // Three classes of 7, 5 and 3 photos in a part's order (class by class), then a second part's photos of two of them.
    private static readonly int[] Labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 0, 0, 1];

    [Fact]
    public void Folds_HoldEveryRowOutOnceAndTrainOnTheRest()
    {
        var folds = new CrossValidationFolds(Labels, 5);

        var heldOut = Enumerable.Range(0, folds.Count).SelectMany(folds.HeldOut).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, Labels.Length), heldOut);
        for (var fold = 0; fold < folds.Count; fold++)
        {
            Assert.NotEmpty(folds.HeldOut(fold));
            Assert.Equal(Enumerable.Range(0, Labels.Length).Except(folds.HeldOut(fold)), folds.Training(fold));
        }
    }

    [Fact]
    public void Folds_AreStratified_EachClassSpreadWithinOnePhoto()
    {
        var folds = new CrossValidationFolds(Labels, 5);

        foreach (var label in Labels.Distinct())
        {
            var perFold = Enumerable.Range(0, folds.Count).Select(f => folds.HeldOut(f).Count(i => Labels[i] == label)).ToArray();
            Assert.True(perFold.Max() - perFold.Min() <= 1, $"class {label}: {string.Join(",", perFold)}");
        }
    }

    [Fact]
    public void Folds_DependOnTheLabelsAlone()
    {
        var first = new CrossValidationFolds(Labels, 5);
        var second = new CrossValidationFolds([.. Labels], 5);

        for (var fold = 0; fold < 5; fold++)
        {
            Assert.Equal(first.HeldOut(fold), second.HeldOut(fold));
        }

        // The first class is dealt from fold 0, the next where it ended.
        Assert.Equal([0, 5, 10], first.HeldOut(0));
    }

    [Fact]
    public void Folds_FewerRowsThanFolds_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrossValidationFolds([0, 1, 2], 5));
    }
}
