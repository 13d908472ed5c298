using Retrain.Errors;
using Retrain.Graphs;
using Retrain.IO;
using Retrain.Protos.TensorFlow;
using Retrain.Training;

namespace Retrain.Summaries;

/// <summary>
/// TensorBoard logs of a training run, as retrain.py's <c>main</c> writes them through two tf.summary.FileWriters:
/// <c>train/</c> gets the training batch's <c>cross_entropy</c> and <c>accuracy</c> every step (retrain.py runs its
/// merged summaries with every <c>train_step</c>, so these are the values before the step's update), and
/// <c>validation/</c> gets the same scalars on the validation batch at every evaluation step. At evaluation steps both
/// also get <c>variable_summaries</c> of the final layer's weights and biases (mean, stddev, max, min scalars and a
/// histogram, under retrain.py's tags <c>final_retrain_ops/weights/summaries/...</c>). retrain.py wrote those every
/// step too; here they follow the evaluation schedule, which keeps a 4,000-step log small. The pre_activations and
/// activations histograms of retrain.py are not written.
/// </summary>
internal sealed class TrainingSummaries : ITrainingObserver, IDisposable
{
    public const string CrossEntropyTag = "cross_entropy";
    public const string AccuracyTag = "accuracy";
    public const string TrainFolder = "train";
    public const string ValidationFolder = "validation";

    private readonly EventFileWriter _train;
    private readonly EventFileWriter _validation;

    private TrainingSummaries(EventFileWriter train, EventFileWriter validation)
    {
        _train = train;
        _validation = validation;
    }

    /// <summary>
    /// Opens the two writers. A fresh run first clears <c>train/</c> and <c>validation/</c> (retrain.py's
    /// <c>prepare_file_system</c>; it deleted the whole folder, here only the events files directly in the two
    /// subfolders retrain writes are removed, so a mistyped --summaries_dir, or one whose train/ holds photos, never
    /// loses anything else). A resumed run keeps the earlier logs and starts its
    /// files with a SessionLog START at <paramref name="resumedAtStep"/>, so TensorBoard drops what the interrupted run
    /// logged after its checkpoint instead of showing those steps twice.
    /// </summary>
    public static TrainingSummaries Start(string summariesDir, int? resumedAtStep)
    {
        var trainDir = Path.Combine(summariesDir, TrainFolder);
        var validationDir = Path.Combine(summariesDir, ValidationFolder);
        if (resumedAtStep is null)
        {
            Clear(trainDir);
            Clear(validationDir);
        }

        var train = new EventFileWriter(trainDir);
        EventFileWriter? validation = null;
        try
        {
            validation = new EventFileWriter(validationDir);
            var summaries = new TrainingSummaries(train, validation);
            if (resumedAtStep is { } step)
            {
                foreach (var writer in new[] { train, validation })
                {
                    writer.Write(new Event
                    {
                        WallTime = EventFileWriter.WallTime(DateTimeOffset.UtcNow),
                        Step = step,
                        SessionLog = new SessionLog { Status = SessionLog.Types.SessionStatus.Start },
                    });
                }
            }

            return summaries;
        }
        catch
        {
            validation?.Dispose();
            train.Dispose();
            throw;
        }
    }

    public string TrainFile => _train.Path;

    public string ValidationFile => _validation.Path;

    public void OnStep(in StepReport report)
    {
        var train = Scores(report.Train);
        if (report.IsEvaluationStep)
        {
            AddLayer(train, report.Layer);
        }

        _train.WriteSummary(report.Step, train);
        if (report.Validation is { } validationScore)
        {
            var validation = Scores(validationScore);
            AddLayer(validation, report.Layer);
            _validation.WriteSummary(report.Step, validation);
        }

        if (report.IsEvaluationStep)
        {
            // TensorBoard reads the files while training runs; an evaluation step is a natural point to show progress.
            _train.Flush();
            _validation.Flush();
        }
    }

    public void Dispose()
    {
        _train.Dispose();
        _validation.Dispose();
    }

    private static Summary Scores(BatchScore score) => new()
    {
        Value =
        {
            new Summary.Types.Value { Tag = CrossEntropyTag, SimpleValue = (float)score.CrossEntropy },
            new Summary.Types.Value { Tag = AccuracyTag, SimpleValue = (float)score.Accuracy },
        },
    };

    // retrain.py's variable_summaries, called in the final_retrain_ops/weights and final_retrain_ops/biases scopes.
    private static void AddLayer(Summary summary, FinalLayer layer)
    {
        AddVariable(summary, Scope(RetrainedNodes.Weights), layer.Weights);
        AddVariable(summary, Scope(RetrainedNodes.Biases), layer.Biases);
    }

    private static void AddVariable(Summary summary, string scope, float[] values)
    {
        var histogram = TfHistogram.Of(values);
        var mean = histogram.Sum / histogram.Num;
        var variance = Math.Max(0, (histogram.SumSquares / histogram.Num) - (mean * mean));
        summary.Value.Add(new Summary.Types.Value { Tag = scope + "/summaries/mean", SimpleValue = (float)mean });
        summary.Value.Add(new Summary.Types.Value { Tag = scope + "/summaries/stddev", SimpleValue = (float)Math.Sqrt(variance) });
        summary.Value.Add(new Summary.Types.Value { Tag = scope + "/summaries/max", SimpleValue = (float)histogram.Max });
        summary.Value.Add(new Summary.Types.Value { Tag = scope + "/summaries/min", SimpleValue = (float)histogram.Min });
        summary.Value.Add(new Summary.Types.Value { Tag = scope + "/summaries/histogram", Histo = histogram });
    }

    // "final_retrain_ops/weights/final_weights" -> "final_retrain_ops/weights": the name scope the summaries sit in.
    private static string Scope(string variable) => variable[..variable.LastIndexOf('/')];

    /// <summary>The folders a fresh run clears of old events files, for the checks that keep them apart from inputs.</summary>
    public static string[] ClearedFolders(string summariesDir) =>
        [Path.Combine(summariesDir, TrainFolder), Path.Combine(summariesDir, ValidationFolder)];

    // Only regular files named as EventFileWriter names them: a link, a subfolder or any other file is someone else's.
    private static void Clear(string folder)
    {
        try
        {
            if (!Directory.Exists(folder))
            {
                return;
            }

            foreach (var file in new DirectoryInfo(folder).EnumerateFiles(EventFileWriter.FilePattern))
            {
                if (file.LinkTarget is null && PathInspector.Of(file.FullName) == PathKind.RegularFile)
                {
                    file.Delete();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot clear the old TensorBoard logs in '{folder}': {e.Message} Remove the folder or choose another {Flags.SummariesDir}.",
                e);
        }
    }
}
