using Retrain.Checkpoints;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Summaries;
using Retrain.Training;
using Serilog;

namespace Retrain;

/// <summary>
/// The outputs written while the final layer trains, fed from the trainer's per-step report: TensorBoard summaries
/// (--summaries_dir), intermediate graphs (--intermediate_store_frequency) and the checkpoint (--checkpoint_path).
/// Also checks, before any work, that every optional output location (these and the final exports) can be written.
/// </summary>
internal sealed class TrainingOutputs : ITrainingObserver, IDisposable
{
    private readonly CheckpointWriter? _checkpoint;
    private readonly IntermediateGraphs? _intermediate;
    private readonly TrainingSummaries? _summaries;

    private TrainingOutputs(CheckpointWriter? checkpoint, IntermediateGraphs? intermediate, TrainingSummaries? summaries)
    {
        _checkpoint = checkpoint;
        _intermediate = intermediate;
        _summaries = summaries;
    }

    /// <summary>False when no output needs the per-step report: the trainer then skips building it.</summary>
    public bool Any => _checkpoint is not null || _intermediate is not null || _summaries is not null;

    public static bool Given(string? path) => !string.IsNullOrEmpty(path);

    public static void CheckLocations(RetrainOptions o)
    {
        if (Given(o.SummariesDir))
        {
            OutputLocations.EnsureWritableFolder(o.SummariesDir!, "--summaries_dir");
        }

        if (o.IntermediateStoreFrequency > 0)
        {
            OutputLocations.EnsureWritableFolder(o.IntermediateOutputGraphsDir, "--intermediate_output_graphs_dir");
        }

        if (Given(o.CheckpointPath))
        {
            OutputLocations.EnsureWritableFile(o.CheckpointPath!, "--checkpoint_path");
        }

        if (Given(o.SavedModelDir))
        {
            SavedModelWriter.EnsureUsable(o.SavedModelDir!);
            OutputLocations.EnsureWritableParent(o.SavedModelDir!, "--saved_model_dir");
        }

        if (Given(o.OutputOnnx))
        {
            OutputLocations.EnsureWritableFile(o.OutputOnnx!, "--output_onnx");
        }
    }

    public static TrainingOutputs Start(
        RetrainOptions o,
        LoadedModel model,
        RunIdentity identity,
        TrainingSettings settings,
        ResumePoint? resume,
        ILogger log)
    {
        var checkpoint = Given(o.CheckpointPath) ? new CheckpointWriter(o.CheckpointPath!, identity, settings) : null;
        var intermediate = o.IntermediateStoreFrequency > 0 && model.Graph is not null
            ? new IntermediateGraphs(model.Graph, model.Description, o.FinalTensorName, o.IntermediateOutputGraphsDir, o.IntermediateStoreFrequency, log)
            : null;
        TrainingSummaries? summaries = null;
        if (Given(o.SummariesDir))
        {
            summaries = TrainingSummaries.Start(o.SummariesDir!, resume?.StepsDone);
            log.Information("TensorBoard summaries: {Train} and {Validation}", summaries.TrainFile, summaries.ValidationFile);
        }

        return new TrainingOutputs(checkpoint, intermediate, summaries);
    }

    public void OnStep(in StepReport report)
    {
        _checkpoint?.OnStep(report);
        _intermediate?.OnStep(report);
        _summaries?.OnStep(report);
    }

    /// <summary>The run was cancelled between steps: keep every finished step in the checkpoint.</summary>
    public void Interrupted() => _checkpoint?.SaveLatest();

    public void Completed() => _checkpoint?.SaveLatest();

    public void Dispose() => _summaries?.Dispose();
}
