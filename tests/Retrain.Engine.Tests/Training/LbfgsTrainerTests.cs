using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>Issue 19: <c>--optimizer lbfgs</c>, the full-batch logistic regression.</summary>
public class LbfgsTrainerTests
{
    private const int Length = 64;
    private const int Classes = 5;
    private static readonly string[] Labels = ["daisy", "dandelion", "roses", "sunflowers", "tulips"];

    private static readonly TrainingSettings Lbfgs = new(Steps: 200, EvalStepInterval: 10) { Optimizer = OptimizerKind.Lbfgs, L2Regularization = 1e-3f };

    [Fact]
    public void Run_OverlappingClusters_EndsAtTheRegressionsOptimumAndLearnsThem()
    {
        var (training, validation, testing) = Clusters();

        var result = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.True(result.Test.Accuracy > 0.9, $"test accuracy {result.Test.Accuracy}");
        // The convex objective's gradient vanishes at its minimum: the layer written is the regression's solution.
        var gradient = GradientAt(result.Layer, training, 1e-3f);
        Assert.True(gradient.Max(Math.Abs) < 1e-3, $"largest gradient component {gradient.Max(Math.Abs)}");
    }

    [Fact]
    public void Run_SameSeed_GivesBitIdenticalResults()
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;
        var settings = Lbfgs with { Seed = 3 };

        var first = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, ct);
        var second = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, ct);

        Assert.Equal(first.Layer.Weights, second.Layer.Weights);
        Assert.Equal(first.Layer.Biases, second.Layer.Biases);
        Assert.Equal(first.Test.Probabilities, second.Test.Probabilities);
    }

    [Fact]
    public void Run_NoL2Given_PicksTheLowestCrossValidationCrossEntropyAndLogsEveryStrength()
    {
        var (training, validation, testing) = Clusters();
        var log = new LogCapture();

        var picked = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { L2Regularization = null }), log.Logger, TestContext.Current.CancellationToken);

        var lines = log.Messages(LogEventLevel.Information).ToList();
        Assert.Contains(lines, l => l.StartsWith($"Picking --l2_regularization by {LbfgsTrainer.Folds}-fold cross-validation on the {training.Count + validation.Count} training and validation vectors", StringComparison.Ordinal));
        var grid = Grid(lines);
        Assert.Equal(LbfgsTrainer.L2Grid, grid.Select(g => g.Strength));
        // The scores differ along the path, so the pick below is a choice and not the first or last by default.
        Assert.True(grid.Select(g => g.CrossEntropy).Distinct().Count() > 1);
        var best = grid.MinBy(g => g.CrossEntropy);
        Assert.Equal(best.Strength, PickedStrength(lines));

        // The final layer is the regression with the picked strength on the training part, trained from the same start.
        var direct = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { L2Regularization = best.Strength }), new LogCapture().Logger, TestContext.Current.CancellationToken);
        Assert.Equal(direct.Layer.Weights, picked.Layer.Weights);
    }

    [Fact]
    public void Run_NoL2Given_APickInsideTheGridRaisesNoWarning()
    {
        var (training, validation, testing) = Clusters();
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { L2Regularization = null }), log.Logger, TestContext.Current.CancellationToken);

        var picked = PickedStrength(log.Messages(LogEventLevel.Information).ToList());
        Assert.NotEqual(LbfgsTrainer.L2Grid[0], picked);
        Assert.NotEqual(LbfgsTrainer.L2Grid[^1], picked);
        Assert.Empty(log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Run_NoL2GivenAndLabelsUnrelatedToTheVectors_PicksTheStrongestAndWarnsToTryStronger()
    {
        // No separation: every class is the same cloud, so the held-out loss is lowest where the layer is most held back.
        var training = SyntheticVectors.Clusters(Classes, 60, Length, 0, centreSeed: 1, sampleSeed: 2);
        var testing = SyntheticVectors.Clusters(Classes, 10, Length, 0, centreSeed: 1, sampleSeed: 4);
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, LabeledVectors.Empty(Length), testing, Labels, Lbfgs with { L2Regularization = null }), log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(LbfgsTrainer.L2Grid[0], PickedStrength(log.Messages(LogEventLevel.Information).ToList()));
        var warning = Assert.Single(log.Messages(LogEventLevel.Warning));
        Assert.Equal(
            "The picked --l2_regularization 3 is the strongest the grid tries, so a stronger one may fit these vectors better. Try --l2_regularization 30 and compare the validation accuracy.",
            warning);
    }

    [Fact]
    public void WarnAtGridEnd_TheWeakestPick_NamesAWeakerStrengthToTry()
    {
        var log = new LogCapture();

        LbfgsTrainer.WarnAtGridEnd(LbfgsTrainer.L2Grid.Count - 1, log.Logger);

        Assert.Equal(
            "The picked --l2_regularization 1E-06 is the weakest the grid tries, so a weaker one may fit these vectors better. Try --l2_regularization 1E-07 and compare the validation accuracy.",
            Assert.Single(log.Messages(LogEventLevel.Warning)));
    }

    [Fact]
    public void WarnAtGridEnd_APickInside_SaysNothing()
    {
        var log = new LogCapture();

        for (var picked = 1; picked < LbfgsTrainer.L2Grid.Count - 1; picked++)
        {
            LbfgsTrainer.WarnAtGridEnd(picked, log.Logger);
        }

        Assert.Empty(log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Run_NoL2Given_TheGridIsTheSameEveryRun()
    {
        var (training, validation, testing) = Clusters();
        var first = new LogCapture();
        var second = new LogCapture();
        var settings = Lbfgs with { L2Regularization = null, Seed = 3 };

        var a = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), first.Logger, TestContext.Current.CancellationToken);
        var b = Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), second.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(Grid(first.Messages(LogEventLevel.Information).ToList()), Grid(second.Messages(LogEventLevel.Information).ToList()));
        Assert.Equal(a.Layer.Weights, b.Layer.Weights);
    }

    [Fact]
    public void Run_NoValidationAndNoL2_PicksByCrossValidationOnTheTrainingPart()
    {
        var (training, _, testing) = Clusters();
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, LabeledVectors.Empty(Length), testing, Labels, Lbfgs with { L2Regularization = null }), log.Logger, TestContext.Current.CancellationToken);

        Assert.Contains(log.Messages(LogEventLevel.Information), l => l.StartsWith($"Picking --l2_regularization by {LbfgsTrainer.Folds}-fold cross-validation on the {training.Count} training and validation vectors", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Messages(LogEventLevel.Warning), l => l.Contains("cannot pick", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_L2Given_TrainsOnceWithoutTheGrid()
    {
        var (training, validation, testing) = Clusters();
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs), log.Logger, TestContext.Current.CancellationToken);

        Assert.DoesNotContain(log.Messages(LogEventLevel.Information), l => l.StartsWith("Picked", StringComparison.Ordinal));
        var summary = Assert.Single(log.Messages(LogEventLevel.Information), l => l.StartsWith("L-BFGS (", StringComparison.Ordinal));
        Assert.StartsWith("L-BFGS (converged", summary, StringComparison.Ordinal);
        Assert.Contains(log.Messages(LogEventLevel.Information), l => Regex.IsMatch(l, @"^Step 0: Validation accuracy = \d+\.\d% \(N=100\)$"));
    }

    [Fact]
    public void Run_FewerPhotosThanFoldsAndNoL2_UsesTheFallbackAndSaysSo()
    {
        var (training, _, testing) = Clusters();
        var few = new LabeledVectors(Length, training.AllVectors[..((LbfgsTrainer.Folds - 1) * Length)].ToArray(), training.Labels[..(LbfgsTrainer.Folds - 1)], training.Paths[..(LbfgsTrainer.Folds - 1)]);
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(few, LabeledVectors.Empty(Length), testing, Labels, Lbfgs with { L2Regularization = null }), log.Logger, TestContext.Current.CancellationToken);

        Assert.Contains(log.Messages(LogEventLevel.Warning), l => l.Contains("cannot pick --l2_regularization", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_StrongerL2_ShrinksTheWeights()
    {
        var (training, validation, testing) = Clusters();
        var ct = TestContext.Current.CancellationToken;

        var weak = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { L2Regularization = 1e-4f }), new LogCapture().Logger, ct);
        var strong = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { L2Regularization = 1e-1f }), new LogCapture().Logger, ct);

        static double Norm(float[] w) => w.Sum(v => (double)v * v);
        Assert.True(Norm(strong.Layer.Weights) < Norm(weak.Layer.Weights) / 4);
    }

    [Fact]
    public void Run_StepsCapTheIterations()
    {
        var (training, validation, testing) = Clusters();
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { Steps = 3 }), log.Logger, TestContext.Current.CancellationToken);

        Assert.Contains(log.Messages(LogEventLevel.Information), l => l.StartsWith("L-BFGS (stopped) after 3 iterations", StringComparison.Ordinal));
        Assert.Equal(["0", "2"], log.Messages(LogEventLevel.Information).Select(l => Regex.Match(l, @"^Step (\d+): Train accuracy")).Where(m => m.Success).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public void Run_EarlyStopping_KeepsAndReportsTheBestEvaluation()
    {
        var (training, validation, testing) = Clusters();
        // Validation labels shifted by one class: the better the fit, the worse the validation cross entropy.
        var misled = new LabeledVectors(Length, Enumerable.Range(0, validation.Count).SelectMany(i => validation.Vector(i).ToArray()).ToArray(), validation.Labels.Select(l => (l + 1) % Classes).ToArray(), validation.Paths);
        var ct = TestContext.Current.CancellationToken;
        var log = new LogCapture();

        var stopped = Trainer.Run(new TrainingJob(training, misled, testing, Labels, Lbfgs with { EvalStepInterval = 1, EarlyStoppingPatience = 2 }), log.Logger, ct);
        var oneStep = Trainer.Run(new TrainingJob(training, misled, testing, Labels, Lbfgs with { Steps = 1 }), new LogCapture().Logger, ct);

        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.StartsWith("Early stopping at step 2:", StringComparison.Ordinal));
        Assert.Equal(oneStep.Layer.Weights, stopped.Layer.Weights);
        Assert.Equal(oneStep.LastValidationAccuracy, stopped.LastValidationAccuracy);
        Assert.Equal(oneStep.LastCrossEntropy, stopped.LastCrossEntropy);
    }

    [Fact]
    public void Run_ConvergedWithEarlyStopping_CheckpointsOneWatch()
    {
        // Convergence evaluates off the --eval_step_interval grid, but a longer run converges at the same step and makes
        // that evaluation too: unlike a last step's, it belongs in the watch any resume continues from.
        var (training, validation, testing) = Clusters();
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "model.ckpt");
        var settings = Lbfgs with { Steps = 500, EvalStepInterval = 1000, L2Regularization = 3f, EarlyStoppingPatience = 50 };
        var log = new LogCapture();

        Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings) { Observer = new Retrain.Checkpoints.CheckpointWriter(path, new Retrain.Checkpoints.RunIdentity(Labels, "d", "m", Length), settings) }, log.Logger, TestContext.Current.CancellationToken);

        var saved = Retrain.Checkpoints.CheckpointFile.Read(path)!;
        Assert.Contains(log.Messages(LogEventLevel.Information), l => l.StartsWith("L-BFGS (converged)", StringComparison.Ordinal));
        Assert.InRange(saved.StepsDone, 2, settings.Steps - 1);
        Assert.NotNull(saved.EarlyStopping);
        Assert.Null(saved.EarlyStoppingBeforeLastStep);
    }

    [Fact]
    public void Objective_WithClassWeightsSmoothingAndL2_HasTheGradientOfItsValue()
    {
        var training = SyntheticVectors.Clusters(3, 15, 8, 0.7, centreSeed: 5, sampleSeed: 6);
        var layer = new FinalLayer(8, 3, new Random(1));
        using var trainable = new TrainableLayer(layer) { LabelSmoothing = 0.2f, ClassWeights = [0.5f, 2f, 1f] };
        var objective = new SoftmaxRegressionObjective(trainable, training, 0.3f);
        var x = objective.Pack();
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)Math.Sin(i) * 0.5f;
        }

        var gradient = new float[x.Length];
        objective.Evaluate(x, gradient);
        var scratch = new float[x.Length];
        const float H = 1e-2f;
        foreach (var i in new[] { 0, 5, 11, 17, 23, x.Length - 2, x.Length - 1 })
        {
            var probe = (float[])x.Clone();
            probe[i] = x[i] + H;
            var up = objective.Evaluate(probe, scratch);
            probe[i] = x[i] - H;
            var down = objective.Evaluate(probe, scratch);
            Assert.Equal(gradient[i], (up - down) / (2 * H), 2e-3);
        }
    }

    [Fact]
    public void Run_OnTheStepGraph_IsAUsageErrorNamingTheFlag()
    {
        var (training, validation, testing) = Clusters();
        var settings = Lbfgs with { Inference = new InferenceSettings(ExecutionDevice.CpuStepGraph, IntraOpThreads: 1) };

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(training, validation, testing, Labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith("--optimizer lbfgs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithDropout_IsAUsageErrorNamingBothFlags()
    {
        var (training, validation, testing) = Clusters();

        var error = Assert.Throws<RetrainException>(
            () => Trainer.Run(new TrainingJob(training, validation, testing, Labels, Lbfgs with { Dropout = 0.2f }), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--dropout", error.Message, StringComparison.Ordinal);
    }

    internal static float[] GradientAt(FinalLayer layer, LabeledVectors training, float l2)
    {
        using var trainable = new TrainableLayer(layer);
        var objective = new SoftmaxRegressionObjective(trainable, training, l2);
        var gradient = new float[objective.Dimension];
        objective.Evaluate(objective.Pack(), gradient);
        return gradient;
    }

    private static List<(float Strength, double CrossEntropy)> Grid(List<string> lines) =>
        lines.Select(l => Regex.Match(l, @"^--l2_regularization ([0-9.eE-]+): cross-validation cross entropy = (\d+\.\d+), accuracy = \d+\.\d% \(\d+ iterations over 5 folds\)$"))
            .Where(m => m.Success)
            .Select(m => (float.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    private static float PickedStrength(List<string> lines) =>
        float.Parse(
            Regex.Match(Assert.Single(lines, l => l.StartsWith("Picked --l2_regularization", StringComparison.Ordinal)), $@"Picked --l2_regularization ([0-9.eE-]+) by cross-validation cross entropy \({LbfgsTrainer.L2Grid.Count * LbfgsTrainer.Folds} fits, ").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);

    private static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Clusters() =>
        (SyntheticVectors.Clusters(Classes, 100, Length, 0.5, centreSeed: 1, sampleSeed: 2),
         SyntheticVectors.Clusters(Classes, 20, Length, 0.5, centreSeed: 1, sampleSeed: 3),
         SyntheticVectors.Clusters(Classes, 40, Length, 0.5, centreSeed: 1, sampleSeed: 4));
}
