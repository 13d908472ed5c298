using Retrain.Checkpoints;
using Retrain.Tests.TestSupport;
using Retrain.Tests.Training;
using Retrain.Training;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Checkpoints;

/// <summary>
/// --early_stopping_patience with --checkpoint_path: the checkpoint carries the watch (the best evaluation's weights,
/// the evaluations since it, whether it ended the run), so a run resumed from it stops where an uninterrupted run
/// stops and keeps the same weights, and a run that early stopping ended is finished: resuming it trains no further.
/// </summary>
public sealed class EarlyStoppingResumeTests : IDisposable
{
    private const int Classes = 5;
    private static readonly string[] Labels = ["daisy", "dandelion", "roses", "sunflowers", "tulips"];

    // Validation labels shifted by one class: the better the layer learns, the worse its validation cross entropy, so
    // step 0 is the best evaluation and the run stops at step 20 (evaluations every 10 steps, patience 2).
    private static readonly TrainingSettings Watched = new(Steps: 300, LearningRate: 0.05f, EvalStepInterval: 10) { EarlyStoppingPatience = 2 };

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EarlyStoppedRun_ResumedFromItsCheckpoint_TrainsNoFurtherAndKeepsTheBestWeights()
    {
        var (training, validation, testing) = Parts();
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder.Path, "model.ckpt");
        var straight = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Watched) { Observer = new CheckpointWriter(path, Identity, Watched) }, new LogCapture().Logger, ct);
        Assert.Equal(21, CheckpointFile.Read(path)!.StepsDone);

        var log = new LogCapture();
        var resume = CheckpointResume.Load(path, Identity, Watched, log.Logger);
        var resumed = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Watched) { Observer = new CheckpointWriter(path, Identity, Watched), Resume = resume }, log.Logger, ct);

        Assert.DoesNotContain(log.Messages(LogEventLevel.Information), m => m.StartsWith("Step ", StringComparison.Ordinal));
        Assert.Equal(straight.Layer.Weights, resumed.Layer.Weights);
        Assert.Equal(straight.Layer.Biases, resumed.Layer.Biases);
        Assert.Equal(straight.Test.Probabilities, resumed.Test.Probabilities);
        Assert.Equal(straight.LastValidationAccuracy, resumed.LastValidationAccuracy);
    }

    [Fact]
    public void RunInterruptedBeforeEarlyStopping_ResumesToTheSameStopAndWeights()
    {
        var (training, validation, testing) = Parts();
        var ct = TestContext.Current.CancellationToken;
        var straightLog = new LogCapture();
        var straight = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Watched), straightLog.Logger, ct);

        // Cancelled after step 12, past the evaluation at step 10 that did not improve on step 0.
        var path = Path.Combine(_folder.Path, "model.ckpt");
        var writer = new CheckpointWriter(path, Identity, Watched);
        using (var cancellation = new CancellationTokenSource())
        {
            var observer = new CancelAfter(writer, 12, cancellation);
            Assert.Throws<OperationCanceledException>(() => Trainer.Run(new TrainingJob(training, validation, testing, Labels, Watched) { Observer = observer }, new LogCapture().Logger, cancellation.Token));
            writer.SaveLatest();
        }

        var log = new LogCapture();
        var resume = CheckpointResume.Load(path, Identity, Watched, log.Logger);
        var resumed = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Watched) { Resume = resume }, log.Logger, ct);

        Assert.Equal(13, resume!.StepsDone);
        Assert.Equal(
            straightLog.Messages(LogEventLevel.Information).Single(m => m.StartsWith("Early stopping", StringComparison.Ordinal)),
            log.Messages(LogEventLevel.Information).Single(m => m.StartsWith("Early stopping", StringComparison.Ordinal)));
        Assert.Equal(straight.Layer.Weights, resumed.Layer.Weights);
        Assert.Equal(straight.Test.Probabilities, resumed.Test.Probabilities);
    }

    [Fact]
    public void RunResumedPastItsEnd_IgnoresItsLastStepsEvaluation_AndStopsAsOneRunStraight()
    {
        // 25 steps evaluate at 0, 10, 20 and (the last step, off the grid) 24, where patience 3 runs out; 300 steps
        // straight evaluate at 0, 10, 20 and 30, and stop at 30.
        var longer = Watched with { EarlyStoppingPatience = 3 };
        var shorter = longer with { Steps = 25 };
        var (training, validation, testing) = Parts();
        var ct = TestContext.Current.CancellationToken;
        var straightLog = new LogCapture();
        var straight = Trainer.Run(new TrainingJob(training, validation, testing, Labels, longer), straightLog.Logger, ct);

        var path = Path.Combine(_folder.Path, "model.ckpt");
        var firstLog = new LogCapture();
        Trainer.Run(new TrainingJob(training, validation, testing, Labels, shorter) { Observer = new CheckpointWriter(path, Identity, shorter) }, firstLog.Logger, ct);
        Assert.Contains(firstLog.Messages(LogEventLevel.Information), m => m.StartsWith("Early stopping at step 24", StringComparison.Ordinal));

        var log = new LogCapture();
        var resume = CheckpointResume.Load(path, Identity, longer, log.Logger);
        var resumed = Trainer.Run(new TrainingJob(training, validation, testing, Labels, longer) { Resume = resume }, log.Logger, ct);

        Assert.Equal(25, resume!.StepsDone);
        Assert.Equal(
            StoppingMessage(straightLog),
            StoppingMessage(log));
        Assert.StartsWith("Early stopping at step 30", StoppingMessage(log), StringComparison.Ordinal);
        Assert.Equal(straight.Layer.Weights, resumed.Layer.Weights);
        Assert.Equal(straight.Test.Probabilities, resumed.Test.Probabilities);

        // Resumed with its own step count, the first run is finished: its own stop at step 24 stands.
        var sameLog = new LogCapture();
        var same = CheckpointResume.Load(path, Identity, shorter, sameLog.Logger);
        Trainer.Run(new TrainingJob(training, validation, testing, Labels, shorter) { Resume = same }, sameLog.Logger, ct);
        Assert.Contains(sameLog.Messages(LogEventLevel.Information), m => m.Contains("is of a run that early stopping ended", StringComparison.Ordinal));
    }

    private static string StoppingMessage(LogCapture log) =>
        log.Messages(LogEventLevel.Information).Single(m => m.StartsWith("Early stopping", StringComparison.Ordinal));

    private static RunIdentity Identity { get; } = new(Labels, "dataset", "model", 64);

    private static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Parts()
    {
        var validation = SyntheticVectors.Clusters(Classes, 20, 64, 0.5, centreSeed: 1, sampleSeed: 3);
        var misled = new LabeledVectors(
            validation.VectorLength,
            Enumerable.Range(0, validation.Count).SelectMany(i => validation.Vector(i).ToArray()).ToArray(),
            validation.Labels.Select(label => (label + 1) % Classes).ToArray(),
            validation.Paths.ToArray());
        return (SyntheticVectors.Clusters(Classes, 100, 64, 0.5, centreSeed: 1, sampleSeed: 2),
                misled,
                SyntheticVectors.Clusters(Classes, 40, 64, 0.5, centreSeed: 1, sampleSeed: 4));
    }

    /// <summary>Passes steps to the checkpoint and cancels the run after <paramref name="lastStep"/>.</summary>
    private sealed class CancelAfter(ITrainingObserver inner, int lastStep, CancellationTokenSource cancellation) : ITrainingObserver
    {
        public void OnStep(in StepReport report)
        {
            inner.OnStep(report);
            if (report.Step == lastStep)
            {
                cancellation.Cancel();
            }
        }
    }
}
