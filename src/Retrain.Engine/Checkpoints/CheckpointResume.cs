using Retrain.Errors;
using Retrain.Protos.Checkpoints;
using Retrain.Training;
using Serilog;

namespace Retrain.Checkpoints;

/// <summary>
/// Decides whether a run continues from --checkpoint_path (retrain.py always started over). A checkpoint for the same
/// dataset and model is resumed; one for another dataset or model is refused (it is never overwritten silently).
/// </summary>
internal static class CheckpointResume
{
    /// <summary>The point to resume from, or null when there is no checkpoint at <paramref name="path"/> yet.</summary>
    public static ResumePoint? Load(string path, RunIdentity identity, TrainingSettings settings, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var checkpoint = CheckpointFile.Read(path);
        if (checkpoint is null)
        {
            return null;
        }

        identity.EnsureMatches(checkpoint, path);
        if (checkpoint.StepsDone > settings.Steps)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' is at step {checkpoint.StepsDone}, past {Flags.HowManyTrainingSteps} {settings.Steps}. " +
                $"Raise {Flags.HowManyTrainingSteps} to continue it, or delete it to start over.");
        }

        // Written before divergence was caught at the step it happens: resuming would only diverge again.
        if (!checkpoint.Weights.All(float.IsFinite) || !checkpoint.Biases.All(float.IsFinite))
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' holds weights that are not numbers: the training it saved had diverged. Delete it and " +
                $"start over with a lower {Flags.LearningRate}.");
        }

        var optimizer = CheckpointHead.Check(checkpoint, settings, path);

        // These decide the random batches: with other values the run still continues the layer, but no longer ends
        // where an uninterrupted run would have.
        var differences = new List<string>();
        Compare(differences, Flags.RandomSeed, checkpoint.RandomSeed, settings.Seed);
        Compare(differences, Flags.TrainBatchSize, checkpoint.TrainBatchSize, settings.TrainBatchSize);
        Compare(differences, Flags.ValidationBatchSize, checkpoint.ValidationBatchSize, settings.ValidationBatchSize);
        Compare(differences, Flags.EvalStepInterval, checkpoint.EvalStepInterval, settings.EvalStepInterval);
        var d = settings.Distortions;
        Compare(differences, Flags.FlipLeftRight, checkpoint.FlipLeftRight ? 1 : 0, d.FlipLeftRight ? 1 : 0);
        Compare(differences, Flags.RandomCrop, checkpoint.RandomCrop, d.RandomCrop);
        Compare(differences, Flags.RandomScale, checkpoint.RandomScale, d.RandomScale);
        Compare(differences, Flags.RandomBrightness, checkpoint.RandomBrightness, d.RandomBrightness);
        if (differences.Count > 0)
        {
            log.Warning(
                "Checkpoint {Path} was written with other flags ({Differences}); continuing with this run's values, so the result will differ from an uninterrupted run.",
                path,
                string.Join(", ", differences));
        }

        log.Information("Resuming from checkpoint {Path} at step {Step}", path, checkpoint.StepsDone);
        return new ResumePoint(checkpoint.StepsDone, checkpoint.Weights.ToArray(), checkpoint.Biases.ToArray())
        {
            Optimizer = optimizer,
            EarlyStopping = Watch(checkpoint, path),
            Source = path,
        };
    }

    /// <summary>
    /// The early stopping watch the checkpoint saved (with the watch from before its last step's off-grid evaluation,
    /// when it made one), or null when its run did not watch.
    /// </summary>
    private static EarlyStoppingSnapshot? Watch(TrainingCheckpoint checkpoint, string path)
    {
        if (checkpoint.EarlyStopping is not { } saved)
        {
            return null;
        }

        return Snapshot(saved, checkpoint, path) with
        {
            BeforeLastStep = checkpoint.EarlyStoppingBeforeLastStep is { } before ? Snapshot(before, checkpoint, path) : null,
        };
    }

    private static EarlyStoppingSnapshot Snapshot(EarlyStoppingState saved, TrainingCheckpoint checkpoint, string path)
    {
        if (saved.BestWeights.Count != checkpoint.Weights.Count || saved.BestBiases.Count != checkpoint.Biases.Count ||
            !saved.BestWeights.All(float.IsFinite) || !saved.BestBiases.All(float.IsFinite))
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' (--checkpoint_path) holds an early stopping best layer that does not fit its layer. Delete it to start over, or pass another --checkpoint_path.");
        }

        return new EarlyStoppingSnapshot(
            saved.BestStep,
            saved.BestCrossEntropy,
            saved.SinceBest,
            saved.BestWeights.ToArray(),
            saved.BestBiases.ToArray(),
            Score(saved.BestTrain),
            Score(saved.BestValidation),
            saved.Stopped);
    }

    private static BatchScore Score(Score? score) =>
        score is null ? default : new BatchScore(score.CrossEntropy, score.Accuracy, score.Count);

    private static void Compare(List<string> differences, string flag, int saved, int now)
    {
        if (saved != now)
        {
            differences.Add($"{flag} {saved}, now {now}");
        }
    }
}
