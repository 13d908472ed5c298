using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Export;
using Retrain.IO;
using Retrain.Outputs;
using Retrain.Reports;
using Retrain.Summaries;

namespace Retrain;

/// <summary>
/// Every output the run will write, known before any work: the one list that drives the checks that outputs are
/// distinct, apart from the inputs, writable, outside --saved_model_dir, and writable by the backbone.
/// </summary>
internal sealed class OutputPlan
{
    public static readonly OutputSpec Graph = new(Flags.OutputGraph, OutputKind.File, BackboneKind.FrozenGraph, "output_graph.pb", o => o.OutputGraph)
    {
        SkippedWhereUnsupported = true,
        HasDefault = true,
    };

    public static readonly OutputSpec Labels = new(Flags.OutputLabels, OutputKind.File, BackboneKind.All, "output_labels.txt", o => o.OutputLabels) { HasDefault = true };

    public static readonly OutputSpec Bottlenecks = new(Flags.BottleneckDir, OutputKind.Folder, BackboneKind.All, "bottleneck", o => o.BottleneckDir)
    {
        HasDefault = true,
        UsableReadOnly = true,
    };

    public static readonly OutputSpec Onnx = new(Flags.OutputOnnx, OutputKind.File, BackboneKind.All, "model.onnx", o => o.OutputOnnx) { RequiredFor = BackboneKind.Onnx };

    public static readonly OutputSpec Checkpoint = new(Flags.CheckpointPath, OutputKind.File, BackboneKind.All, "checkpoint", o => o.CheckpointPath);

    public static readonly OutputSpec SavedModel = new(Flags.SavedModelDir, OutputKind.Folder, BackboneKind.FrozenGraph, "saved_model", o => o.SavedModelDir) { MustBeNewFolder = true };

    public static readonly OutputSpec Evaluation = new(Flags.EvaluationJson, OutputKind.File, BackboneKind.All, "evaluation.json", o => o.EvaluationJson);

    public static readonly OutputSpec Report = new(Flags.ReportDir, OutputKind.Report, BackboneKind.All, "report", o => o.ReportDir) { MustBeNewFolder = true };

    public static readonly OutputSpec Summaries = new(Flags.SummariesDir, OutputKind.Events, BackboneKind.All, "retrain_logs", o => o.SummariesDir);

    public static readonly OutputSpec IntermediateGraphs = new(
        Flags.IntermediateOutputGraphsDir,
        OutputKind.Folder,
        BackboneKind.FrozenGraph,
        "intermediate_graph",
        o => o.IntermediateStoreFrequency > 0 ? o.IntermediateOutputGraphsDir : null)
    {
        RequestedBy = Flags.IntermediateStoreFrequency,
        HasDefault = true,
    };

    /// <summary>Every output, in the order the checks name them.</summary>
    public static IReadOnlyList<OutputSpec> Specs { get; } = [Graph, Labels, Bottlenecks, Onnx, Checkpoint, SavedModel, Evaluation, Report, Summaries, IntermediateGraphs];

    private readonly RetrainOptions _options;

    private OutputPlan(RetrainOptions options, IReadOnlyList<PlannedOutput> outputs)
    {
        _options = options;
        Outputs = outputs;
    }

    /// <summary>The requested outputs, in <see cref="Specs"/> order.</summary>
    public IReadOnlyList<PlannedOutput> Outputs { get; }

    /// <summary>
    /// Plans the outputs of <paramref name="options"/> and checks, before any work, that each can be written where
    /// asked without replacing another output or an input.
    /// </summary>
    public static OutputPlan Check(RetrainOptions options)
    {
        var outputs = Specs
            .Select(s => (Spec: s, Path: s.PathIn(options)))
            .Where(p => !string.IsNullOrEmpty(p.Path))
            .Select(p => new PlannedOutput(p.Spec, p.Path!))
            .ToList();
        var plan = new OutputPlan(options, outputs);
        if (outputs.Any(o => o.Spec.HasDefault && DefaultPaths.IsInUserTempRoot(o.Path)))
        {
            DefaultPaths.EnsurePrivate(DefaultPaths.UserTempRoot);
        }

        OutputLocations.EnsureDistinct(outputs.Select(o => (o.Flag, (string?)o.Path, o.Spec.MustBeNewFolder)));
        var written = plan.Written().ToList();
        OutputLocations.EnsureApartFromInputs(
            written,
            [
                (Flags.ImageDir, options.ImageDir),
                (Flags.BottleneckDir, options.BottleneckDir),
                (Flags.RetrainPyBottleneckDir, options.RetrainPyBottleneckDir),
                (Flags.CheckpointPath, options.CheckpointPath),
            ]);
        OutputLocations.EnsureApartFromIntermediateGraphs(
            written, options.IntermediateOutputGraphsDir, options.IntermediateStoreFrequency, options.HowManyTrainingSteps);
        foreach (var output in outputs)
        {
            EnsureWritable(output);
        }

        return plan;
    }

    /// <summary>The path of <paramref name="spec"/>'s output, or null when the run does not write it.</summary>
    public string? PathOf(OutputSpec spec) => Outputs.FirstOrDefault(o => o.Spec == spec)?.Path;

    public bool Has(OutputSpec spec) => PathOf(spec) is not null;

    /// <summary>Known only once a catalogue name has resolved to a file, and still before any bottleneck.</summary>
    public void EnsureApartFromModel(string modelPath) =>
        OutputLocations.EnsureApartFromInputs(
            Written(),
            [(_options.TfhubModule is null && _options.Architecture is not null ? Flags.Architecture : Flags.TfhubModule, modelPath)]);

    /// <summary>
    /// Refuses an output the backbone cannot write, or the lack of one that is its only output, before any
    /// bottleneck is computed.
    /// </summary>
    public void EnsureWritableBy(Backbone backbone)
    {
        var kind = backbone.Kind;
        var refused = Outputs.FirstOrDefault(o => (o.Spec.WrittenFor & kind) == 0 && !o.Spec.SkippedWhereUnsupported);
        var missing = Specs.FirstOrDefault(s => (s.RequiredFor & kind) != 0 && !Has(s));
        if (refused is not null || missing is not null)
        {
            throw backbone.CannotWrite(refused is null ? null : refused.Spec.RequestedBy ?? refused.Flag);
        }
    }

    private static bool HasSubfolder(string folder)
    {
        try
        {
            return Directory.EnumerateDirectories(folder).Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Every path the run writes, for the checks against its inputs.</summary>
    private IEnumerable<Written> Written() =>
        Outputs.SelectMany(o => o.Spec.Kind == OutputKind.Events
            ? TrainingSummaries.ClearedFolders(o.Path).Select(f => new Written(o.Flag, f, Cleared: true))
            : [new Written(o.Flag, o.Path, Cleared: o.Spec.Kind == OutputKind.Report)]); // a report replaces its old folder whole

    private static void EnsureWritable(PlannedOutput output)
    {
        switch (output.Spec.Kind)
        {
            case OutputKind.Folder when output.Spec.UsableReadOnly:
                try
                {
                    OutputLocations.EnsureWritableFolder(output.Path, output.Flag);
                }
                catch (RetrainException e) when (OutputLocations.DeniesWriting(e.InnerException) && HasSubfolder(output.Path))
                {
                    // A team's cache on read-only storage is still worth reading: whether it may be depends on what it
                    // holds for the model, which BottleneckCache.EnsureWritable decides once the model is known.
                }

                break;
            case OutputKind.File:
                OutputLocations.EnsureWritableFile(output.Path, output.Flag, output.Spec.Example);
                break;
            case OutputKind.Report:
                ReportWriter.EnsureUsable(output.Path);
                OutputLocations.EnsureWritableParent(output.Path, output.Flag);
                break;
            case OutputKind.Folder when output.Spec.MustBeNewFolder:
                SavedModelWriter.EnsureUsable(output.Path);
                OutputLocations.EnsureWritableParent(output.Path, output.Flag);
                break;
            default:
                OutputLocations.EnsureWritableFolder(output.Path, output.Flag);
                break;
        }
    }
}
