using Retrain.Summaries;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Summaries;

/// <summary>--summaries_dir end to end on the tiny setup, read back with the test project's own events reader.</summary>
public class TrainingSummariesTests
{
    private const string WeightsScope = "final_retrain_ops/weights/summaries/";
    private const string BiasesScope = "final_retrain_ops/biases/summaries/";

    [Fact]
    public void Run_WritesTrainAndValidationEventFiles_WithEveryCrcValidAndRetrainPysScalars()
    {
        using var tiny = new TinyRetrain();
        var summaries = tiny.PathOf("run", "logs");
        var log = new LogCapture();

        var result = RetrainEngine.Run(tiny.Options() with { SummariesDir = summaries }, log.Logger, TestContext.Current.CancellationToken);

        var trainFile = Assert.Single(Directory.GetFiles(Path.Combine(summaries, "train")));
        var validationFile = Assert.Single(Directory.GetFiles(Path.Combine(summaries, "validation")));
        Assert.Matches(@"^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9._-]+$", Path.GetFileName(trainFile));
        var train = TfEventsReader.ReadEvents(trainFile); // throws on any bad CRC
        var validation = TfEventsReader.ReadEvents(validationFile);

        foreach (var events in new[] { train, validation })
        {
            Assert.Equal(EventFileWriter.FileVersion, events[0].FileVersion);
            Assert.Empty(events[0].Values);
            Assert.All(events, e => Assert.InRange(e.WallTime, 1.6e9, 4e9));
        }

        // Train: the two scalars at every step, 0..29, in order; the layer's summaries at the evaluation steps.
        var trainSteps = train.Skip(1).ToList();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), trainSteps.Select(e => e.Step));
        Assert.All(trainSteps, e =>
        {
            Assert.InRange(Scalar(e, "cross_entropy"), 0f, 10f);
            Assert.InRange(Scalar(e, "accuracy"), 0f, 1f);
        });

        // Before the first update the weights are ~0 (stddev 0.001) and the biases 0: softmax is uniform, so the
        // cross-entropy is ln(3) whatever the batch.
        Assert.Equal(Math.Log(3), Scalar(trainSteps[0], "cross_entropy"), 2);
        Assert.Equal([0L, 10, 20, 29], trainSteps.Where(e => e.Values.Any(v => v.Tag == WeightsScope + "histogram")).Select(e => e.Step));

        // Validation: at the evaluation steps, with the accuracy the log reports.
        var validationSteps = validation.Skip(1).ToList();
        Assert.Equal([0L, 10, 20, 29], validationSteps.Select(e => e.Step));
        var logged = log.Events
            .Where(e => e.MessageTemplate.Text.StartsWith("Step {Step}: Validation accuracy", StringComparison.Ordinal))
            .Select(e => (double)((ScalarValue)e.Properties["ValidationAccuracy"]).Value! / 100) // logged in percent
            .ToList();
        Assert.Equal(logged.Count, validationSteps.Count);
        Assert.All(logged.Zip(validationSteps), p => Assert.Equal(p.First, Scalar(p.Second, "accuracy"), 6));
        Assert.Equal((float)result.Training.LastValidationAccuracy!.Value, Scalar(validationSteps[^1], "accuracy"));

        // At the last step the layer summarised is the trained layer.
        var last = validationSteps[^1];
        var weights = result.Training.Layer.Weights;
        var histogram = last.Values.Single(v => v.Tag == WeightsScope + "histogram").Histo!;
        Assert.Equal(weights.Length, histogram.Num);
        Assert.Equal(weights.Length, histogram.Buckets.Sum());
        Assert.Equal(weights.Min(), histogram.Min);
        Assert.Equal(weights.Max(), histogram.Max);
        Assert.Equal(weights.Sum(w => (double)w), histogram.Sum, 9);
        Assert.Equal(weights.Sum(w => (double)w * w), histogram.SumSquares, 9);
        Assert.Equal((float)weights.Average(w => (double)w), Scalar(last, WeightsScope + "mean"), 6);
        Assert.Equal(weights.Max(), Scalar(last, WeightsScope + "max"));
        Assert.Equal(result.Training.Layer.Biases.Min(), Scalar(last, BiasesScope + "min"));
        Assert.Contains(last.Values, v => v.Tag == BiasesScope + "stddev");
    }

    [Fact]
    public void EventFiles_AreFlushedAtEveryEvaluationStep_SoALiveOrKilledRunIsReadable()
    {
        using var tiny = new TinyRetrain();
        var summaries = tiny.PathOf("run", "logs");
        List<TfEventsReader.Event>? seenMidRun = null;

        // intermediate_15.pb is logged during step 15, before its summaries: the last flush was at step 10.
        var sink = new OnMessage("intermediate_15.pb", () =>
            seenMidRun = TfEventsReader.ReadEvents(Directory.GetFiles(Path.Combine(summaries, "train")).Single()));
        var logger = new Serilog.LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        RetrainEngine.Run(
            tiny.Options() with { SummariesDir = summaries, IntermediateStoreFrequency = 15 }, logger, TestContext.Current.CancellationToken);

        Assert.NotNull(seenMidRun);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (long)i), seenMidRun.Skip(1).Select(e => e.Step));
    }

    [Fact]
    public void Run_ClearsTheOldTrainAndValidationLogsButNothingElse()
    {
        using var tiny = new TinyRetrain();
        var summaries = tiny.PathOf("run", "logs");
        var stale = Path.Combine(summaries, "train", "events.out.tfevents.1.old");
        var unrelated = Path.Combine(summaries, "notes.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "old run");
        File.WriteAllText(unrelated, "keep me");

        RetrainEngine.Run(tiny.Options() with { SummariesDir = summaries, HowManyTrainingSteps = 3 }, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(unrelated));
        Assert.Single(Directory.GetFiles(Path.Combine(summaries, "train")));
    }

    [Fact]
    public void Run_WithoutSummariesDir_WritesNoLogs()
    {
        using var tiny = new TinyRetrain();

        RetrainEngine.Run(tiny.Options() with { HowManyTrainingSteps = 2 }, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Empty(Directory.GetFiles(tiny.Root, "*tfevents*", SearchOption.AllDirectories));
    }

    private sealed class OnMessage(string text, Action action) : Serilog.Core.ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            if (logEvent.RenderMessage().Contains(text, StringComparison.Ordinal))
            {
                action();
            }
        }
    }

    private static float Scalar(TfEventsReader.Event e, string tag) =>
        e.Values.Single(v => v.Tag == tag).Simple ?? throw new InvalidOperationException($"{tag} is not a scalar");
}
