using Retrain.Checkpoints;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Distortions;

/// <summary>
/// retrain with --flip_left_right/--random_crop/--random_scale/--random_brightness on the tiny setup: every step's
/// batch is distorted photos through the backbone, the run is repeatable and resumable, and a photo that stops being
/// readable mid-run fails with its name.
/// </summary>
public class DistortedTrainingTests
{
    private static RetrainOptions Distorted(TinyRetrain tiny, string name) => tiny.Options(name) with
    {
        FlipLeftRight = true,
        RandomCrop = 20,
        RandomScale = 20,
        RandomBrightness = 20,
    };

    [Fact]
    public void DistortedRun_TrainsOnFreshlyDistortedPhotos_AndIsRepeatable()
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;
        var plain = RetrainEngine.Run(tiny.Options("plain"), new LogCapture().Logger, ct);
        var log = new LogCapture();
        var first = RetrainEngine.Run(Distorted(tiny, "first"), log.Logger, ct);
        var second = RetrainEngine.Run(Distorted(tiny, "second"), new LogCapture().Logger, ct);

        var messages = log.Events.Select(e => e.RenderMessage()).ToList();
        Assert.Contains(messages, m => m.StartsWith("Distorting training images (flip left-right, crop 20%, scale 20%, brightness 20%): each of the 30 steps runs 16", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Distorted 480 training images in ", StringComparison.Ordinal));
        Assert.True(first.Training.Test.Accuracy > 0.9, $"test accuracy {first.Training.Test.Accuracy}");
        Assert.Equal(first.Training.Layer.Weights, second.Training.Layer.Weights);
        Assert.Equal(first.Training.Test.Probabilities, second.Training.Test.Probabilities);
        Assert.NotEqual(plain.Training.Layer.Weights, first.Training.Layer.Weights);
        Assert.Equal(File.ReadAllBytes(tiny.PathOf("first", "output_graph.pb")), File.ReadAllBytes(tiny.PathOf("second", "output_graph.pb")));
    }

    [Fact]
    public void ProgressSink_GetsTheBottleneckPass_ThenEveryDistortedStep_InsteadOfTheProgressLines()
    {
        using var tiny = new TinyRetrain(perClass: 8);
        var sink = new RecordingProgressSink();
        var log = new LogCapture();

        RetrainEngine.Run(Distorted(tiny, "bar") with { HowManyTrainingSteps = 12 }, log.Logger, TestContext.Current.CancellationToken, sink);

        var stages = sink.Calls.Where(c => c != "Advance").ToList();
        Assert.Equal([$"Start Bottlenecks {3 * 8} Images", "Finish", "Start Distorted training 12 Steps", "Finish"], stages);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), sink.Advances.TakeLast(12));
        var messages = log.Events.Select(e => e.RenderMessage()).ToList();
        Assert.DoesNotContain(messages, m => m.StartsWith("Distorted training: step", StringComparison.Ordinal) || m.StartsWith("Bottlenecks: ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Distorted 192 training images in ", StringComparison.Ordinal));
    }

    [Fact]
    public void InterruptedDistortedRun_ResumesToTheUninterruptedResult()
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;
        var whole = RetrainEngine.Run(Distorted(tiny, "whole") with { HowManyTrainingSteps = 40 }, new LogCapture().Logger, ct);

        var checkpoint = tiny.PathOf("resumed", "model.ckpt");
        var options = Distorted(tiny, "resumed") with { HowManyTrainingSteps = 40, CheckpointPath = checkpoint };
        using (var cancellation = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => RetrainEngine.Run(
                options, CancelWhenLogged.Logger("Step 20: Validation accuracy", cancellation), cancellation.Token));
        }

        var saved = CheckpointFile.Read(checkpoint)!;
        Assert.InRange(saved.StepsDone, 21, 39);
        Assert.Equal((true, 20, 20, 20), (saved.FlipLeftRight, saved.RandomCrop, saved.RandomScale, saved.RandomBrightness));

        var resumed = RetrainEngine.Run(options, new LogCapture().Logger, ct);

        Assert.Equal(whole.Training.Layer.Weights, resumed.Training.Layer.Weights);
        Assert.Equal(whole.Training.Test.Probabilities, resumed.Training.Test.Probabilities);
    }

    [Fact]
    public void CheckpointWrittenWithOtherDistortions_ContinuesWithAWarningNamingThem()
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        RetrainEngine.Run(tiny.Options() with { HowManyTrainingSteps = 5, CheckpointPath = checkpoint }, new LogCapture().Logger, ct);

        var log = new LogCapture();
        RetrainEngine.Run(Distorted(tiny, "run") with { HowManyTrainingSteps = 10, CheckpointPath = checkpoint }, log.Logger, ct);

        var warning = Assert.Single(log.Messages(LogEventLevel.Warning), m => m.Contains("other flags", StringComparison.Ordinal));
        Assert.Contains("--flip_left_right 0, now 1", warning, StringComparison.Ordinal);
        Assert.Contains("--random_crop 0, now 20", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingPhotoThatBreaksAfterItsBottleneck_FailsTheRunNamingIt()
    {
        using var tiny = new TinyRetrain();
        var broken = Directory.GetFiles(tiny.ImageDir, "*.png", SearchOption.AllDirectories);
        var logger = new LoggerConfiguration().WriteTo.Sink(new BreakPhotosWhenLogged("Distorting training images", broken)).CreateLogger();

        var error = Assert.Throws<RetrainException>(() =>
            RetrainEngine.Run(Distorted(tiny, "run"), logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadImage, error.Code);
        Assert.Contains(tiny.ImageDir, error.Message, StringComparison.Ordinal);
        Assert.Contains("readable when its bottleneck was computed", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(tiny.PathOf("run", "output_graph.pb")));
    }

    /// <summary>Overwrites the photos with text once the bottlenecks are done and distorted training is about to start.</summary>
    private sealed class BreakPhotosWhenLogged(string text, string[] photos) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            if (logEvent.RenderMessage().StartsWith(text, StringComparison.Ordinal))
            {
                foreach (var photo in photos)
                {
                    File.WriteAllText(photo, "no longer a photo");
                }
            }
        }
    }
}
