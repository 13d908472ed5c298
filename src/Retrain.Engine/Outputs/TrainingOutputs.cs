using Retrain.Checkpoints;
using Retrain.Summaries;
using Retrain.Training;
using Serilog;

namespace Retrain.Outputs;

/// <summary>
/// The outputs written while the final layer trains, fed from the trainer's per-step report: TensorBoard summaries
/// (--summaries_dir), intermediate graphs (--intermediate_store_frequency), the checkpoint (--checkpoint_path) and the
/// report's training curves (--report_dir).
/// </summary>
internal sealed class TrainingOutputs : ITrainingObserver, IDisposable
{
    private readonly CheckpointWriter? _checkpoint;
    private readonly ITrainingObserver? _intermediate;
    private readonly TrainingSummaries? _summaries;
    private ITrainingObserver? _curves;

    private TrainingOutputs(CheckpointWriter? checkpoint, ITrainingObserver? intermediate, TrainingSummaries? summaries)
    {
        _checkpoint = checkpoint;
        _intermediate = intermediate;
        _summaries = summaries;
    }

    /// <summary>False when no output needs the per-step report: the trainer then skips building it.</summary>
    public bool Any => _checkpoint is not null || _intermediate is not null || _summaries is not null || _curves is not null;

    /// <summary>Also reports every step to <paramref name="curves"/> (the report's training curves), when given.</summary>
    public TrainingOutputs WithCurves(ITrainingObserver? curves)
    {
        _curves = curves;
        return this;
    }

    /// <param name="intermediate">The backbone's intermediate graphs (--intermediate_store_frequency), if it writes them.</param>
    public static TrainingOutputs Start(
        string? checkpointPath,
        ITrainingObserver? intermediate,
        string? summariesDir,
        RunIdentity identity,
        TrainingSettings settings,
        ResumePoint? resume,
        ILogger log)
    {
        var checkpoint = checkpointPath is null ? null : new CheckpointWriter(checkpointPath, identity, settings);
        TrainingSummaries? summaries = null;
        if (summariesDir is not null)
        {
            summaries = TrainingSummaries.Start(summariesDir, resume?.StepsDone);
            log.Information("TensorBoard summaries: {Train} and {Validation}", summaries.TrainFile, summaries.ValidationFile);
        }

        return new TrainingOutputs(checkpoint, intermediate, summaries);
    }

    public void OnStep(in StepReport report)
    {
        _checkpoint?.OnStep(report);
        _intermediate?.OnStep(report);
        _summaries?.OnStep(report);
        _curves?.OnStep(report);
    }

    /// <summary>The run was cancelled between steps: keep every finished step in the checkpoint, and say so.</summary>
    public void Interrupted(ILogger log)
    {
        if (_checkpoint is null)
        {
            return;
        }

        _checkpoint.SaveLatest();
        if (_checkpoint.StepsSaved > 0)
        {
            log.Information(
                "Training stopped after step {Step}; checkpoint {Path} holds every finished step, and the same command continues from there.",
                _checkpoint.StepsSaved - 1,
                _checkpoint.Path);
        }
    }

    public void Completed() => _checkpoint?.SaveLatest();

    public void Dispose() => _summaries?.Dispose();
}
