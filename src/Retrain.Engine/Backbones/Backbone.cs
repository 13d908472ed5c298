using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Inference;
using Retrain.IO;
using Retrain.Training;
using Serilog;

namespace Retrain.Backbones;

/// <summary>
/// The model retrain cuts at its bottleneck and trains a new final layer on. Each kind owns what differs between
/// kinds: how it loads, which outputs it can write and the names they must not take, and how it is described.
/// Disposing it releases the model's session.
/// </summary>
internal abstract class Backbone : IDisposable
{
    protected Backbone(LoadedModel model)
    {
        Model = model;
    }

    public abstract BackboneKind Kind { get; }

    /// <summary>The opened model: its runner, preprocessing and cache key, as the bottleneck and distortion stages use them.</summary>
    public LoadedModel Model { get; }

    public ModelDescription Description => Model.Description;

    /// <summary>Opens <paramref name="resolved"/> as the kind of backbone its file holds.</summary>
    public static Backbone Open(ResolvedModel resolved, ModelOverrides overrides, InferenceSettings inference)
    {
        LoadedModel model;
        try
        {
            model = LoadedModel.OpenBackbone(resolved.Path, resolved.Apply(overrides), inference);
        }
        catch (RetrainException e) when (e.Code == ExitCode.BadModel && resolved.Cached is { } cached)
        {
            // A downloaded model that does not load must neither pin its hash nor leave the user guessing what to delete.
            throw cached.LoadFailed(e);
        }

        return model.Graph is null ? new OnnxBackbone(model) : new FrozenGraphBackbone(model, model.Graph);
    }

    /// <summary>
    /// Throws <see cref="RetrainException"/> (BadModel) when a name the new layer adds is already taken in the
    /// backbone: checked right after it loads, so the run fails before its bottlenecks, not after.
    /// </summary>
    public abstract void CheckNames(string finalTensorName);

    /// <summary>
    /// The usage error for a run asking this kind for an output it cannot write (<paramref name="refusedFlag"/>, the
    /// flag that asked), or lacking the one output it can.
    /// </summary>
    public abstract RetrainException CannotWrite(string? refusedFlag);

    /// <summary>retrain.py's intermediate graphs at every <paramref name="frequency"/> steps; null where this kind writes none.</summary>
    public abstract ITrainingObserver? IntermediateGraphs(string finalTensorName, string folder, int frequency, ILogger log);

    /// <summary>Writes the retrained model and its labels, all committed together or none (issue 15).</summary>
    public abstract void Export(FinalLayer layer, IReadOnlyList<string> labels, ExportPaths paths, ILogger log);

    public void Describe(ILogger log)
    {
        var d = Description;
        log.Information(
            "Model {Path} ({Architecture}): input {Input} {Height}x{Width}, mean {Mean}, std {Std}; bottleneck {Bottleneck} ({Length} values)",
            d.Path,
            d.Architecture,
            d.InputNode,
            d.InputHeight,
            d.InputWidth,
            d.InputMean,
            d.InputStd,
            d.OutputNode,
            Model.OutputLength);
        if (Model.BatchNote is { } batch && Model.Runner.MaxBatchSize == 1)
        {
            // One image per call is slower than the batches asked for: say why.
            log.Information("ONNX model {Path}: {Batch}", d.Path, batch);
        }
        else if (Model.BatchNote is { } batched)
        {
            log.Debug("ONNX model {Path}: {Batch}", d.Path, batched);
        }

        if (Model.Runner.OwnConvolutions > 0)
        {
            log.Debug("{Count} 3x3 convolutions of the backbone run on retrain's Winograd kernel, the rest in ONNX Runtime", Model.Runner.OwnConvolutions);
        }
    }

    public void Dispose() => Model.Dispose();

    protected static void WriteLabels(OutputTransaction outputs, IReadOnlyList<string> labels, string path) =>
        outputs.WriteAllText(path, string.Concat(labels.Select(l => l + "\n")));
}
