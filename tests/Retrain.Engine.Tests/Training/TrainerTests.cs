using System.Globalization;
using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Training;

public class TrainerTests
{
    private const int Length = 64;
    private const int Classes = 5;
    private static readonly string[] Labels = ["daisy", "dandelion", "roses", "sunflowers", "tulips"];

    private static readonly TrainingSettings Quick = new(Steps: 300, LearningRate: 0.05f, EvalStepInterval: 50);

    [Fact]
    public void Run_SeparableClusters_ReachesHighTestAccuracy()
    {
        var (training, validation, testing) = Clusters();

        var result = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.True(result.Test.Accuracy > 0.95, $"test accuracy {result.Test.Accuracy}");
        Assert.Equal(testing.Count, result.Test.Count);
        Assert.Equal(testing.Count * Classes, result.Test.Probabilities.Length);
        Assert.True(result.LastTrainAccuracy > 0.95);
        Assert.True(result.LastValidationAccuracy > 0.95);
        Assert.InRange(result.LastCrossEntropy, 0, 0.5);
        Assert.Equal(Length, result.Layer.BottleneckSize);
        Assert.Equal(Classes, result.Layer.ClassCount);
    }

    [Fact]
    public void Run_LogsRetrainPyLinesAtEvalStepsAndTheLastStep()
    {
        var (training, validation, testing) = Clusters();
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { Steps = 25, EvalStepInterval = 10 }), log.Logger, TestContext.Current.CancellationToken);

        var lines = log.Messages(LogEventLevel.Information).ToList();
        Assert.Equal(
            ["0", "10", "20", "24"],
            lines.Select(l => Regex.Match(l, @"^Step (\d+): Train accuracy = \d+\.\d%$")).Where(m => m.Success).Select(m => m.Groups[1].Value));
        Assert.Equal(4, lines.Count(l => Regex.IsMatch(l, @"^Step \d+: Cross entropy = \d+\.\d{6}$")));
        Assert.Equal(4, lines.Count(l => Regex.IsMatch(l, @"^Step \d+: Validation accuracy = \d+\.\d% \(N=100\)$")));
        Assert.Matches(@"^Final test accuracy = \d+\.\d% \(N=200\)$", lines[^1]);

        var first = log.Events.First(e => e.MessageTemplate.Text.Contains("Train accuracy"));
        Assert.Equal(0, ((ScalarValue)first.Properties["Step"]).Value);
        Assert.IsType<double>(((ScalarValue)first.Properties["TrainAccuracy"]).Value);
    }

    [Theory]
    [InlineData(61, 80, "76.2")] // an exact tie: Python's '%.1f' rounds it to even, .NET's "0.0" away from zero (76.3)
    [InlineData(1, 16, "6.2")]
    [InlineData(49, 80, "61.2")]
    [InlineData(23, 80, "28.8")] // float32 times 100 lands above the tie, so retrain.py rounds up where a double would not
    [InlineData(51, 80, "63.8")]
    [InlineData(2, 3, "66.7")]
    [InlineData(80, 80, "100.0")]
    [InlineData(0, 80, "0.0")]
    public void LogLines_PrintAccuraciesAsRetrainPy(int correct, int count, string expected)
    {
        var log = new LogCapture();
        var accuracy = (double)correct / count;

        Trainer.LogTraining(log.Logger, 3, new BatchScore(0.1234565, accuracy, count));
        Trainer.LogValidation(log.Logger, 3, 0.5 * count, correct, count);

        var lines = log.Events.Select(e => e.RenderMessage(CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(
            [
                $"Step 3: Train accuracy = {expected}%",
                "Step 3: Cross entropy = 0.123456", // Python's '%f' % 0.1234565 (the double is just below the tie)
                $"Step 3: Validation accuracy = {expected}% (N={count})",
            ],
            lines);
    }

    [Fact]
    public void Run_SameSeed_GivesBitIdenticalResults_OtherSeedDiffers()
    {
        var (training, validation, testing) = Clusters();
        var settings = Quick with { Steps = 60, Seed = 11 };

        var first = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken);
        var second = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken);
        var other = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings with { Seed = 12 }), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(first.Layer.Weights, second.Layer.Weights);
        Assert.Equal(first.Layer.Biases, second.Layer.Biases);
        Assert.Equal(first.Test.Probabilities, second.Test.Probabilities);
        Assert.Equal(first.LastCrossEntropy, second.LastCrossEntropy);
        Assert.NotEqual(first.Layer.Weights, other.Layer.Weights);
    }

    [Fact]
    public void Run_EmptyValidation_TrainsAndSaysSo()
    {
        var (training, _, testing) = Clusters();
        var log = new LogCapture();

        var result = Trainer.Run(new TrainingJob(training, LabeledVectors.Empty(Length), testing, Labels, Quick), log.Logger, TestContext.Current.CancellationToken);

        Assert.Null(result.LastValidationAccuracy);
        Assert.True(result.Test.Accuracy > 0.95);
        Assert.Contains("Validation set is empty; skipping validation accuracy.", log.Messages(LogEventLevel.Warning));
        Assert.DoesNotContain(log.Messages(LogEventLevel.Information), l => l.Contains("Validation accuracy"));
    }

    [Fact]
    public void Run_EmptyTest_ReportsNoTestAccuracy()
    {
        var (training, validation, _) = Clusters();
        var log = new LogCapture();

        var result = Trainer.Run(new TrainingJob(training, validation, LabeledVectors.Empty(Length), Labels, Quick), log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Test.Count);
        Assert.True(double.IsNaN(result.Test.Accuracy));
        Assert.Empty(result.Test.Misclassified);
        Assert.Contains("Test set is empty; skipping final test accuracy.", log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Run_ClassMissingFromValidationAndTest_StillRuns()
    {
        var (training, validation, testing) = Clusters();
        var withoutRoses = Without(validation, label: 2);

        var result = Trainer.Run(new TrainingJob(training, withoutRoses, Without(testing, label: 2), Labels, Quick), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.True(result.LastValidationAccuracy > 0.95);
        Assert.Equal(160, result.Test.Count);
    }

    [Fact]
    public void Run_EmptyTraining_IsBadDataset()
    {
        var (_, validation, testing) = Clusters();

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(LabeledVectors.Empty(Length), validation, testing, Labels, Quick), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.Contains("--testing_percentage", error.Message);
    }

    [Theory]
    [InlineData(-1, 0.01f, 10, 100, 100, -1, "--how_many_training_steps")]
    [InlineData(10, float.NaN, 10, 100, 100, -1, "--learning_rate")]
    [InlineData(10, 0f, 10, 100, 100, -1, "--learning_rate")]
    [InlineData(10, 0.01f, 0, 100, 100, -1, "--eval_step_interval")]
    [InlineData(10, 0.01f, 10, 0, 100, -1, "--train_batch_size")]
    [InlineData(10, 0.01f, 10, 100, 0, -1, "--validation_batch_size")]
    [InlineData(10, 0.01f, 10, 100, 100, 0, "--test_batch_size")]
    public void Run_ImpossibleSettings_AreUsageErrors(int steps, float rate, int interval, int train, int validation, int test, string flag)
    {
        var parts = Clusters();
        var settings = new TrainingSettings(steps, rate, interval, train, validation, test);

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith(flag, error.Message);
    }

    [Fact]
    public void Run_L2Regularization_ShrinksTheWeightsAndStillLearns()
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;

        var plain = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick), new LogCapture().Logger, ct);
        var penalised = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { L2Regularization = 0.5f }), new LogCapture().Logger, ct);

        static double Norm(float[] w) => w.Sum(v => (double)v * v);
        Assert.True(Norm(penalised.Layer.Weights) < Norm(plain.Layer.Weights), "the penalty should shrink the weights");
        Assert.True(penalised.Test.Accuracy > 0.95, $"test accuracy {penalised.Test.Accuracy}");
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void Run_ImpossibleL2Regularization_IsAUsageError(float strength)
    {
        var parts = Clusters();

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, Quick with { L2Regularization = strength }), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith("--l2_regularization", error.Message);
    }

    [Fact]
    public void Run_L2RegularizationOnTheStepGraph_IsAUsageErrorNamingTheFlag()
    {
        var parts = Clusters();
        var settings = Quick with { L2Regularization = 0.1f, Inference = new InferenceSettings(ExecutionDevice.CpuStepGraph, IntraOpThreads: 1) };

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--l2_regularization", error.Message);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void Run_EachOptimizer_LearnsTheClustersAndRepeatsUnderTheSameSeed(OptimizerKind optimizer)
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;
        var settings = Quick with { Optimizer = optimizer, Seed = 5 };

        var first = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, ct);
        var second = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, ct);

        Assert.True(first.Test.Accuracy > 0.95, $"test accuracy {first.Test.Accuracy}");
        Assert.Equal(first.Layer.Weights, second.Layer.Weights);
        Assert.Equal(first.Layer.Biases, second.Layer.Biases);
    }

    [Theory]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void Run_OptimizersOtherThanSgd_TakeOtherStepsThanRetrainPys(OptimizerKind optimizer)
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;
        var few = Quick with { Steps = 5 };

        var sgd = Trainer.Run(new TrainingJob(training, validation, testing, Labels, few), new LogCapture().Logger, ct);
        var other = Trainer.Run(new TrainingJob(training, validation, testing, Labels, few with { Optimizer = optimizer }), new LogCapture().Logger, ct);

        Assert.NotEqual(sgd.Layer.Weights, other.Layer.Weights);
    }

    [Fact]
    public void Run_OptimizerOnTheStepGraph_IsAUsageErrorNamingTheFlag()
    {
        var parts = Clusters();
        var settings = Quick with { Optimizer = OptimizerKind.Adam, Inference = new InferenceSettings(ExecutionDevice.CpuStepGraph, IntraOpThreads: 1) };

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--optimizer adam", error.Message);
    }

    [Fact]
    public void Run_ResumingWithAnOptimizerThatHasState_IsAUsageError()
    {
        var parts = Clusters();
        var ct = TestContext.Current.CancellationToken;
        var first = Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, Quick with { Steps = 10 }), new LogCapture().Logger, ct);
        var resume = new ResumePoint(10, first.Layer.Weights, first.Layer.Biases);

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, Quick with { Optimizer = OptimizerKind.Momentum }) { Resume = resume }, new LogCapture().Logger, ct));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--checkpoint_path", error.Message);
    }

    [Fact]
    public void Run_LabelSmoothing_KeepsTheWeightsSmallerAndStillLearns()
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;

        var plain = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick), new LogCapture().Logger, ct);
        var smoothed = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { LabelSmoothing = 0.3f }), new LogCapture().Logger, ct);
        var none = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { LabelSmoothing = 0f }), new LogCapture().Logger, ct);

        static double Norm(float[] w) => w.Sum(v => (double)v * v);
        Assert.True(Norm(smoothed.Layer.Weights) < Norm(plain.Layer.Weights), "smoothed targets should stop the logits growing");
        Assert.True(smoothed.Test.Accuracy > 0.95, $"test accuracy {smoothed.Test.Accuracy}");
        Assert.Equal(plain.Layer.Weights, none.Layer.Weights);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void Run_ImpossibleLabelSmoothing_IsAUsageError(float value)
    {
        var parts = Clusters();

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, Quick with { LabelSmoothing = value }), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith("--label_smoothing", error.Message);
    }

    [Fact]
    public void Run_LabelSmoothingOnTheStepGraph_IsAUsageErrorNamingTheFlag()
    {
        var parts = Clusters();
        var settings = Quick with { LabelSmoothing = 0.1f, Inference = new InferenceSettings(ExecutionDevice.CpuStepGraph, IntraOpThreads: 1) };

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--label_smoothing", error.Message);
    }

    [Fact]
    public void Run_EarlyStopping_StopsWhenValidationStopsImprovingAndKeepsTheBestWeights()
    {
        var (training, validation, testing) = Clusters();
        // Validation labels shifted by one class: the better the layer learns, the worse its validation cross-entropy,
        // so the first evaluation (step 0) is the best and the next two fail to improve on it.
        var misled = Relabelled(validation, label => (label + 1) % Classes);
        var ct = TestContext.Current.CancellationToken;
        var log = new LogCapture();

        var stopped = Trainer.Run(new TrainingJob(training, misled, testing, Labels, Quick with { EvalStepInterval = 10, EarlyStoppingPatience = 2 }), log.Logger, ct);
        var firstStepOnly = Trainer.Run(new TrainingJob(training, misled, testing, Labels, Quick with { Steps = 1 }), new LogCapture().Logger, ct);

        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.StartsWith("Early stopping at step 20:", StringComparison.Ordinal) && m.Contains("step 0", StringComparison.Ordinal));
        Assert.Equal(firstStepOnly.Layer.Weights, stopped.Layer.Weights);
        Assert.Equal(firstStepOnly.Layer.Biases, stopped.Layer.Biases);
        // The figures reported are those of the evaluation whose weights are kept, not of the last one.
        Assert.Equal(firstStepOnly.LastTrainAccuracy, stopped.LastTrainAccuracy);
        Assert.Equal(firstStepOnly.LastCrossEntropy, stopped.LastCrossEntropy);
        Assert.Equal(firstStepOnly.LastValidationAccuracy, stopped.LastValidationAccuracy);
        Assert.Equal(firstStepOnly.Test.Probabilities, stopped.Test.Probabilities);
    }

    [Fact]
    public void Run_EarlyStoppingThatNeverRunsOutOfPatience_TrainsEveryStep()
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;
        var log = new LogCapture();

        var result = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { EarlyStoppingPatience = 1000 }), log.Logger, ct);

        Assert.DoesNotContain(log.Messages(LogEventLevel.Information), m => m.StartsWith("Early stopping", StringComparison.Ordinal));
        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.StartsWith($"Step {Quick.Steps - 1}:", StringComparison.Ordinal));
        Assert.True(result.Test.Accuracy > 0.95, $"test accuracy {result.Test.Accuracy}");
    }

    [Fact]
    public void Run_NegativeEarlyStoppingPatience_IsAUsageError()
    {
        var parts = Clusters();

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(parts.Training, parts.Validation, parts.Testing, Labels, Quick with { EarlyStoppingPatience = -1 }), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith("--early_stopping_patience", error.Message);
    }

    [Fact]
    public void Run_Cancelled_StopsAtTheNextStep()
    {
        var (training, validation, testing) = Clusters();
        using var cancellation = new CancellationTokenSource();
        var stepsSeen = new List<int>();

        var cancelAtStep3 = new StepObserver(r =>
        {
            stepsSeen.Add(r.Step);
            if (r.Step == 3)
            {
                cancellation.Cancel();
            }
        });

        Assert.Throws<OperationCanceledException>(() => Trainer.Run(
            new TrainingJob(training, validation, testing, Labels, Quick with { Steps = 1_000_000 }) { Observer = cancelAtStep3 },
            new LogCapture().Logger,
            cancellation.Token));

        Assert.Equal([0, 1, 2, 3], stepsSeen);
    }

    [Fact]
    public void Run_Observer_SeesTheUpdatedLayerEveryStep()
    {
        var (training, validation, testing) = Clusters();
        var steps = new List<int>();
        float[]? lastWeights = null;
        FinalLayer? seen = null;

        var watcher = new StepObserver(r =>
        {
            steps.Add(r.Step);
            lastWeights = (float[])r.Layer.Weights.Clone();
            seen = r.Layer;
        });

        var result = Trainer.Run(
            new TrainingJob(training, validation, testing, Labels, Quick with { Steps = 12 }) { Observer = watcher },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 12), steps);
        Assert.Same(result.Layer, seen);
        Assert.Equal(result.Layer.Weights, lastWeights);
    }

    [Fact]
    public void Run_DoesNotAllocateOnPlainSteps()
    {
        var (training, validation, testing) = Clusters();
        var allocated = new long[40];

        Trainer.Run(
            new TrainingJob(training, validation, testing, Labels, Quick with { Steps = 40, EvalStepInterval = 20 })
            {
                Observer = new StepObserver(r => allocated[r.Step] = GC.GetAllocatedBytesForCurrentThread()),
            },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        // Steps 2..19 neither evaluate nor log.
        Assert.Equal(allocated[2], allocated[19]);
    }

    [Fact]
    public void Run_ZeroSteps_OnlyEvaluates()
    {
        var (training, validation, testing) = Clusters();

        var result = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Quick with { Steps = 0 }), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.True(double.IsNaN(result.LastTrainAccuracy));
        Assert.Null(result.LastValidationAccuracy);
        Assert.Equal(testing.Count, result.Test.Count);
        Assert.Equal(new float[Classes], result.Layer.Biases);
    }

    [Fact]
    public void Run_ReportsMisclassifiedTestImages()
    {
        var (training, validation, testing) = Clusters(separation: 2.0);

        // Relabel two test images: the trained layer still predicts their true cluster, so both count as mistakes.
        var labels = (int[])testing.Labels.Clone();
        labels[0] = 3; // a class-0 image now claims to be sunflowers
        labels[^1] = 1; // a class-4 image now claims to be dandelion
        var relabelled = new LabeledVectors(Length, testing.AllVectors.ToArray(), labels, testing.Paths);

        var result = Trainer.Run(new TrainingJob(training, validation, relabelled, Labels, Quick), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal((relabelled.Count - 2) / (double)relabelled.Count, result.Test.Accuracy);
        Assert.Equal(
            [new Misclassified(testing.Paths[0], "daisy", "sunflowers"), new Misclassified(testing.Paths[^1], "tulips", "dandelion")],
            result.Test.Misclassified);
    }

    [Fact]
    public void Run_PositiveTestBatchSize_SamplesThatMany()
    {
        var (training, validation, testing) = Clusters();

        var result = Trainer.Run(
            new TrainingJob(training, validation, testing, Labels, Quick with { TestBatchSize = 50, TrainBatchSize = -1 }), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(50, result.Test.Count);
        Assert.Equal(50 * Classes, result.Test.Probabilities.Length);
        Assert.True(result.Test.Accuracy > 0.9);
    }

    [Fact]
    public void Run_PartsOfDifferentVectorLengths_Throws()
    {
        var (training, validation, _) = Clusters();

        Assert.Throws<ArgumentException>(
            () => Trainer.Run(new TrainingJob(training, validation, LabeledVectors.Empty(Length + 1), Labels, Quick), new LogCapture().Logger, TestContext.Current.CancellationToken));
    }

    // Centres 0.5 apart per dimension overlap a little (a few percent of mistakes); 2.0 apart they never do.
    private static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Clusters(double separation = 0.5) =>
        (SyntheticVectors.Clusters(Classes, 100, Length, separation, centreSeed: 1, sampleSeed: 2),
         SyntheticVectors.Clusters(Classes, 20, Length, separation, centreSeed: 1, sampleSeed: 3),
         SyntheticVectors.Clusters(Classes, 40, Length, separation, centreSeed: 1, sampleSeed: 4));

    private static LabeledVectors Relabelled(LabeledVectors part, Func<int, int> relabel) =>
        new(part.VectorLength, Enumerable.Range(0, part.Count).SelectMany(i => part.Vector(i).ToArray()).ToArray(), part.Labels.Select(relabel).ToArray(), part.Paths.ToArray());

    private static LabeledVectors Without(LabeledVectors part, int label)
    {
        var keep = Enumerable.Range(0, part.Count).Where(i => part.Labels[i] != label).ToArray();
        return new LabeledVectors(
            part.VectorLength,
            keep.SelectMany(i => part.Vector(i).ToArray()).ToArray(),
            keep.Select(i => part.Labels[i]).ToArray(),
            keep.Select(i => part.Paths[i]).ToArray());
    }
}
