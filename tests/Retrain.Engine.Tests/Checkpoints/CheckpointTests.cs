using Retrain.Checkpoints;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Checkpoints;

/// <summary>--checkpoint_path on the tiny setup: interrupted runs resume, checkpoints of other runs are refused.</summary>
public class CheckpointTests
{
    [Fact]
    public void InterruptedThenResumedRun_EndsBitIdenticalToAnUninterruptedOne()
    {
        using var tiny = new TinyRetrain();
        var uninterrupted = RetrainEngine.Run(
            tiny.Options("whole") with { HowManyTrainingSteps = 40 }, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var checkpoint = tiny.PathOf("resumed", "model.ckpt");
        var summaries = tiny.PathOf("resumed", "logs");
        var options = tiny.Options("resumed") with
        {
            HowManyTrainingSteps = 40,
            CheckpointPath = checkpoint,
            SummariesDir = summaries,
            IntermediateStoreFrequency = 7,
        };

        // Cancel once step 7 is done (its intermediate graph is logged after the step): step 8 never starts.
        using var cancellation = new CancellationTokenSource();
        var cancelledLog = new LogCapture();
        var first = new Serilog.LoggerConfiguration().MinimumLevel.Verbose()
            .WriteTo.Sink(new CancelWhenLogged("intermediate_7.pb", cancellation)).WriteTo.Sink(cancelledLog).CreateLogger();
        Assert.ThrowsAny<OperationCanceledException>(() => RetrainEngine.Run(options, first, cancellation.Token));
        Assert.Contains(
            $"Training stopped after step 7; checkpoint \"{checkpoint}\" holds every finished step, and the same command continues from there.",
            cancelledLog.Messages(Serilog.Events.LogEventLevel.Information));

        var saved = CheckpointFile.Read(checkpoint)!;
        Assert.Equal(8, saved.StepsDone); // step 7 is no evaluation step: this is the save on cancellation
        Assert.False(File.Exists(options.OutputGraph));

        var log = new LogCapture();
        var resumed = RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken);

        Assert.Contains($"Resuming from checkpoint \"{checkpoint}\" at step 8", log.Events.Select(e => e.RenderMessage()));
        Assert.DoesNotContain(log.Events, e => e.RenderMessage().StartsWith("Step 0:", StringComparison.Ordinal));
        Assert.Contains(log.Events, e => e.RenderMessage().StartsWith("Step 39: Validation accuracy", StringComparison.Ordinal));
        Assert.Equal(uninterrupted.Training.Layer.Weights, resumed.Training.Layer.Weights);
        Assert.Equal(uninterrupted.Training.Layer.Biases, resumed.Training.Layer.Biases);
        Assert.Equal(uninterrupted.Training.Test.Probabilities, resumed.Training.Test.Probabilities);
        Assert.Equal(File.ReadAllBytes(tiny.PathOf("whole", "output_graph.pb")), File.ReadAllBytes(options.OutputGraph));
        Assert.Equal(40, CheckpointFile.Read(checkpoint)!.StepsDone);

        // The resumed run keeps the first run's logs and tells TensorBoard it restarted at step 8 (SessionLog START).
        var trainFiles = Directory.GetFiles(Path.Combine(summaries, "train")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, trainFiles.Count);
        var firstLog = TfEventsReader.ReadEvents(trainFiles[0]);
        var secondLog = TfEventsReader.ReadEvents(trainFiles[1]);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), firstLog.Skip(1).Select(e => e.Step));
        Assert.Equal((8L, 1), (secondLog[1].Step, secondLog[1].SessionLogStatus ?? 0));
        Assert.Equal(Enumerable.Range(8, 32).Select(i => (long)i), secondLog.Skip(2).Select(e => e.Step));
    }

    [Fact]
    public void CheckpointOfAnotherDataset_IsRefusedAndKept()
    {
        using var tiny = new TinyRetrain();
        using var other = new TinyRetrain(perClass: 22);
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        RetrainEngine.Run(
            tiny.Options() with { HowManyTrainingSteps = 3, CheckpointPath = checkpoint }, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var before = File.ReadAllBytes(checkpoint);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            other.Options() with { CheckpointPath = checkpoint }, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("another set of training or validation images", error.Message, StringComparison.Ordinal);
        Assert.Contains("--checkpoint_path", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void CheckpointOfAnotherModelOrPreprocessing_IsRefused()
    {
        using var tiny = new TinyRetrain();
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        var options = tiny.Options() with { HowManyTrainingSteps = 3, CheckpointPath = checkpoint };
        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            options with { Model = options.Model with { InputStd = 128f } }, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("another model or preprocessing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileThatIsNoCheckpoint_IsRefused()
    {
        using var tiny = new TinyRetrain(perClass: 5);
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        File.WriteAllText(checkpoint, "not a checkpoint");

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            tiny.Options() with { CheckpointPath = checkpoint }, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("is not a checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointPastTheRequestedSteps_IsRefused_AndAtExactlyThem_OnlyEvaluates()
    {
        using var tiny = new TinyRetrain();
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        var options = tiny.Options() with { HowManyTrainingSteps = 12, CheckpointPath = checkpoint };
        var done = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            options with { HowManyTrainingSteps = 5 }, new LogCapture().Logger, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("past --how_many_training_steps 5", error.Message, StringComparison.Ordinal);

        var log = new LogCapture();
        var again = RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(log.Events, e => e.MessageTemplate.Text.Contains("Train accuracy", StringComparison.Ordinal));
        Assert.Equal(done.Training.Layer.Weights, again.Training.Layer.Weights);
        Assert.Equal(done.Training.Test.Accuracy, again.Training.Test.Accuracy);
    }
}
