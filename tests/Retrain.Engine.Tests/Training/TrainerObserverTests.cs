using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>The trainer's step reports (for summaries and checkpoints) and resuming from a saved layer.</summary>
public class TrainerObserverTests
{
    private const int Length = 16;
    private static readonly string[] Labels = ["a", "b", "c", "d"];
    private static readonly TrainingSettings Settings = new(Steps: 45, LearningRate: 0.05f, EvalStepInterval: 10, TrainBatchSize: 20, ValidationBatchSize: 15, Seed: 3);

    [Fact]
    public void Reports_EveryStepsPreUpdateScores_AndTheLoggedScoresAtEvaluationSteps()
    {
        var (training, validation, testing) = Parts();
        var log = new LogCapture();
        var reports = new Recorder();

        Trainer.Run(new TrainingJob(training, validation, testing, Labels, Settings) { Observer = reports }, log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 45), reports.Steps.Select(r => r.Step));
        Assert.Equal([0, 10, 20, 30, 40, 44], reports.Steps.Where(r => r.IsEvaluationStep).Select(r => r.Step));
        Assert.All(reports.Steps, r => Assert.Equal(20, r.Train.Count));

        // Before the first update the layer is almost zero, so the batch's cross-entropy is ln(4).
        Assert.Equal(Math.Log(4), reports.Steps[0].Train.CrossEntropy, 2);
        Assert.True(reports.Steps[^1].Train.CrossEntropy < reports.Steps[0].Train.CrossEntropy);

        var logged = log.Events.Where(e => e.MessageTemplate.Text.Contains("Cross entropy", StringComparison.Ordinal))
            .Select(e => (double)((ScalarValue)e.Properties["CrossEntropy"]).Value!);
        Assert.Equal(logged, reports.Steps.Where(r => r.IsEvaluationStep).Select(r => r.Evaluation!.Value.CrossEntropy));
        var validationLogged = log.Events.Where(e => e.MessageTemplate.Text.Contains("Validation accuracy", StringComparison.Ordinal))
            .Select(e => (double)((ScalarValue)e.Properties["ValidationAccuracy"]).Value! / 100) // logged in percent
            .ToList();
        var validationReported = reports.Steps.Where(r => r.Validation is not null).Select(r => r.Validation!.Value.Accuracy).ToList();
        Assert.Equal(validationLogged.Count, validationReported.Count);
        // Logged as retrain.py computed it: a float32 accuracy times 100 in float32 (RetrainPyFigures).
        Assert.All(validationLogged.Zip(validationReported), p => Assert.Equal(p.First, p.Second, 6));
        Assert.All(reports.Steps.Where(r => r.Validation is not null), r => Assert.Equal(15, r.Validation!.Value.Count));
    }

    [Fact]
    public void Resume_FromTheLayerAfterStepK_EndsBitIdenticalToTheWholeRun()
    {
        var (training, validation, testing) = Parts();
        var whole = Trainer.Run(new TrainingJob(training, validation, testing, Labels, Settings), new LogCapture().Logger, TestContext.Current.CancellationToken);

        foreach (var stepsDone in new[] { 1, 17, 41, 45 })
        {
            float[]? weights = null, biases = null;
            var captured = new StepObserver(r =>
            {
                if (r.Step + 1 == stepsDone)
                {
                    (weights, biases) = ((float[])r.Layer.Weights.Clone(), (float[])r.Layer.Biases.Clone());
                }
            });
            Trainer.Run(
                new TrainingJob(training, validation, testing, Labels, Settings) { Observer = captured }, new LogCapture().Logger, TestContext.Current.CancellationToken);

            var resumed = Trainer.Run(
                new TrainingJob(training, validation, testing, Labels, Settings) { Resume = new ResumePoint(stepsDone, weights!, biases!) }, new LogCapture().Logger, TestContext.Current.CancellationToken);

            Assert.Equal(whole.Layer.Weights, resumed.Layer.Weights);
            Assert.Equal(whole.Layer.Biases, resumed.Layer.Biases);
            Assert.Equal(whole.Test.Probabilities, resumed.Test.Probabilities);
        }
    }

    [Fact]
    public void Resume_PastTheLastStep_IsAUsageError()
    {
        var (training, validation, testing) = Parts();
        var layer = new FinalLayer(Length, Labels.Length, new Random(1));

        var error = Assert.Throws<RetrainException>(() => Trainer.Run(
            new TrainingJob(training, validation, testing, Labels, Settings) { Resume = new ResumePoint(46, layer.Weights, layer.Biases) }, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
    }

    private static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Parts() =>
        (SyntheticVectors.Clusters(Labels.Length, 30, Length, 0.5, centreSeed: 1, sampleSeed: 2),
         SyntheticVectors.Clusters(Labels.Length, 10, Length, 0.5, centreSeed: 1, sampleSeed: 3),
         SyntheticVectors.Clusters(Labels.Length, 10, Length, 0.5, centreSeed: 1, sampleSeed: 4));

    private sealed class Recorder : ITrainingObserver
    {
        public List<StepReport> Steps { get; } = [];

        public void OnStep(in StepReport report) => Steps.Add(report);
    }
}
