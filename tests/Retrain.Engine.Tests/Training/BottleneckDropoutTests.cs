using Retrain.Tests.TestSupport;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>Issue 19: <c>--dropout</c> on the bottleneck, training only.</summary>
public class BottleneckDropoutTests
{
    private const int Length = 64;
    private const int Classes = 5;
    private static readonly string[] Labels = ["daisy", "dandelion", "roses", "sunflowers", "tulips"];
    private static readonly TrainingSettings Quick = new(Steps: 300, LearningRate: 0.05f, EvalStepInterval: 50);

    [Fact]
    public void Apply_ZeroesAboutTheRateAndScalesTheRest()
    {
        var data = SyntheticVectors.Random(Length, Enumerable.Repeat(0, 200).ToArray(), seed: 1);
        var dropout = new BottleneckDropout(0.25f, seed: 7, Length);
        int[] batch = [.. Enumerable.Range(0, 200)];

        var dropped = dropout.Apply(data, batch, step: 3, out var rows);

        Assert.Equal(Enumerable.Range(0, 200), rows.ToArray());
        var zeros = 0;
        for (var i = 0; i < 200; i++)
        {
            var original = data.Vector(i);
            var masked = dropped.Vector(i);
            for (var k = 0; k < Length; k++)
            {
                if (masked[k] == 0)
                {
                    zeros++;
                }
                else
                {
                    Assert.Equal(original[k] / 0.75f, masked[k], 1e-6f);
                }
            }
        }

        Assert.InRange(zeros / (200.0 * Length), 0.23, 0.27);
    }

    [Fact]
    public void Apply_TheMaskDependsOnSeedAndStepOnly()
    {
        var data = SyntheticVectors.Random(Length, [0, 1, 2, 3], seed: 1);
        int[] batch = [3, 1, 2, 0];

        float[] Mask(int seed, int step) => new BottleneckDropout(0.5f, seed, Length).Apply(data, batch, step, out _).Vector(1).ToArray();

        Assert.Equal(Mask(1, 4), Mask(1, 4));
        Assert.NotEqual(Mask(1, 4), Mask(1, 5));
        Assert.NotEqual(Mask(1, 4), Mask(2, 4));
        Assert.Equal(data.Labels[1], new BottleneckDropout(0.5f, 1, Length).Apply(data, batch, 0, out _).Labels[1]);
    }

    [Fact]
    public void Run_WithDropout_StillLearnsRepeatsUnderTheSeedAndDiffersFromNone()
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;
        var settings = Quick with { Dropout = 0.3f, Seed = 4 };

        var first = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, ct);
        var second = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, ct);
        var none = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings with { Dropout = 0 }), new LogCapture().Logger, ct);

        Assert.True(first.Test.Accuracy > 0.95, $"test accuracy {first.Test.Accuracy}");
        Assert.Equal(first.Layer.Weights, second.Layer.Weights);
        Assert.NotEqual(first.Layer.Weights, none.Layer.Weights);
    }

    [Fact]
    public void Run_BalancedClassWeights_RaiseTheRareClassesRecall()
    {
        // Class 0 has ten times the photos of the others and the clusters overlap: unweighted, the layer leans to it.
        var big = SyntheticVectors.Clusters(Classes, 200, Length, 0.15, centreSeed: 1, sampleSeed: 2);
        int[] keep = [.. Enumerable.Range(0, big.Count).Where(i => big.Labels[i] == 0 || i % 200 < 20)];
        var training = new LabeledVectors(Length, keep.SelectMany(i => big.Vector(i).ToArray()).ToArray(), keep.Select(i => big.Labels[i]).ToArray(), keep.Select(i => big.Paths[i]).ToArray());
        var testing = SyntheticVectors.Clusters(Classes, 100, Length, 0.15, centreSeed: 1, sampleSeed: 4);
        var validation = SyntheticVectors.Clusters(Classes, 10, Length, 0.15, centreSeed: 1, sampleSeed: 3);
        var ct = TestContext.Current.CancellationToken;

        var plain = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick), new LogCapture().Logger, ct);
        var balanced = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { ClassWeights = ClassWeighting.Balanced }), new LogCapture().Logger, ct);

        Assert.True(RareRecall(balanced, testing) > RareRecall(plain, testing), $"{RareRecall(balanced, testing)} vs {RareRecall(plain, testing)}");
    }

    [Fact]
    public void ClassWeights_Balanced_AreSamplesOverClassesTimesCount()
    {
        var part = SyntheticVectors.Random(4, [0, 0, 0, 1, 2, 2], seed: 1);

        Assert.Equal([6f / 9, 2f, 1f, 0f], ClassWeights.Of(ClassWeighting.Balanced, part, 4)!);
        Assert.Null(ClassWeights.Of(ClassWeighting.None, part, 4));
    }

    private static double RareRecall(TrainingResult result, LabeledVectors testing)
    {
        var right = 0;
        var total = 0;
        for (var i = 0; i < testing.Count; i++)
        {
            if (testing.Labels[i] == 0)
            {
                continue;
            }

            total++;
            var row = result.Test.Probabilities.AsSpan(i * Classes, Classes);
            if (row.IndexOf(System.Linq.Enumerable.Max(row.ToArray())) == testing.Labels[i])
            {
                right++;
            }
        }

        return (double)right / total;
    }

    private static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Clusters() =>
        (SyntheticVectors.Clusters(Classes, 100, Length, 0.5, centreSeed: 1, sampleSeed: 2),
         SyntheticVectors.Clusters(Classes, 20, Length, 0.5, centreSeed: 1, sampleSeed: 3),
         SyntheticVectors.Clusters(Classes, 40, Length, 0.5, centreSeed: 1, sampleSeed: 4));
}
