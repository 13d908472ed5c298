using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Checkpoints;
using Retrain.Data;
using Retrain.Distortions;
using Retrain.Errors;
using Retrain.Evaluation;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.IO;
using Retrain.Models;
using Retrain.Outputs;
using Retrain.Progress;
using Retrain.Reports;
using Retrain.Summaries;
using Retrain.Training;
using Serilog;

namespace Retrain;

/// <summary>
/// retrain.py's `main`: list and split the images, compute or reuse every bottleneck, train the final layer, evaluate
/// it on the test set and write output_graph.pb and output_labels.txt. Takes no console or argv: options in, result out.
/// </summary>
public static class RetrainEngine
{
    /// <param name="progress">Gets the long stages' progress (a terminal's bar); null = periodic log lines.</param>
    public static RetrainResult Run(RetrainOptions options, ILogger log, CancellationToken ct, IProgressSink? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BottlenecksOnly)
        {
            throw new ArgumentException($"A run with {Flags.BottlenecksOnly} trains nothing: call {nameof(CacheBottlenecks)}.", nameof(options));
        }

        options.Validate();
        var plan = OutputPlan.Check(options);
        var lists = ListImages(options, log);
        ImageListBuilder.EnsureTrainingPart(lists, options.TestingPercentage, options.ValidationPercentage);
        var resolved = ResolveModel(options, log, progress, ct);
        plan.EnsureApartFromModel(resolved.Path);
        using var backbone = OpenBackbone(resolved, options, plan, log);
        var settings = options.ToTrainingSettings();

        // Checked before the bottlenecks: a checkpoint for other data should fail in a second, not after an hour.
        var identity = RunIdentity.Of(lists, backbone.Model.CacheKey, backbone.Model.OutputLength);
        var resume = plan.PathOf(OutputPlan.Checkpoint) is { } checkpoint ? CheckpointResume.Load(checkpoint, identity, settings, log) : null;

        var parts = DatasetParts.From(lists);
        var decode = new ImageDecodeOptions { ReducedScaleJpeg = options.ReducedScaleJpeg };
        var bottlenecks = ComputeBottlenecks(parts.AllPaths, backbone, resolved, options, decode, log, progress, ct);
        var (training, validation, testing) = parts.Split(bottlenecks.Set);
        DatasetReport.Log(lists, training, validation, testing, bottlenecks.Failures.Count, log);
        EnsureTrainable(training, lists, bottlenecks.Failures.Count);
        var dataset = DatasetSummary.Of(options.ImageDir, lists.Labels, training, validation, testing, bottlenecks.Failures);
        var curves = plan.Has(OutputPlan.Report) ? new TrainingCurves() : null;

        var result = Train(new(training, validation, testing), lists, backbone, plan, identity, settings, resume, options, decode, curves, log, progress, ct);
        PrintMisclassified(result, options, log);
        Evaluate(result, lists.Labels, options, log);

        ct.ThrowIfCancellationRequested();
        var exportPaths = new ExportPaths(options.OutputGraph, options.OutputLabels, plan.PathOf(OutputPlan.SavedModel), plan.PathOf(OutputPlan.Onnx), options.FinalTensorName);
        backbone.Export(result.Layer, lists.Labels, exportPaths, log);
        WriteReport(plan, resolved, settings, curves, dataset, result, lists.Labels, log);

        if (bottlenecks.Failures.Count > 0)
        {
            log.Warning("{Count} images were skipped because they could not be read or decoded (listed above).", bottlenecks.Failures.Count);
        }

        return new RetrainResult(
            lists.Labels,
            training.Count,
            validation.Count,
            testing.Count,
            bottlenecks.Computed,
            bottlenecks.Reused,
            bottlenecks.Failures,
            result,
            testing.Paths,
            options.OutputGraph,
            options.OutputLabels,
            bottlenecks.Imported);
    }

    /// <summary>
    /// <c>--bottlenecks_only</c>: lists the images, keeps the shard's (all of them without <c>--shard</c>), and computes
    /// and caches their bottlenecks under <c>--bottleneck_dir</c>, then stops. Many such runs, one per shard, may share
    /// one cache folder; a later <see cref="Run"/> over the same folder computes nothing.
    /// </summary>
    public static BottleneckRunResult CacheBottlenecks(RetrainOptions options, ILogger log, CancellationToken ct, IProgressSink? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var lists = ListImages(options, log);
        var resolved = ResolveModel(options, log, progress, ct);
        using var backbone = Backbone.Open(resolved, options.Model, PipelineThreads.ForPipeline(options.Inference));
        backbone.Describe(log);

        var all = DatasetParts.From(lists).AllPaths;
        var paths = options.Shard is { } shard ? all.Where(shard.Contains).ToList() : all;
        if (options.Shard is not null)
        {
            log.Information("Shard {Shard}: {Count} of the {Total} images", options.Shard, paths.Count, all.Count);
        }

        var decode = new ImageDecodeOptions { ReducedScaleJpeg = options.ReducedScaleJpeg };
        var stage = ComputeBottlenecks(paths, backbone, resolved, options, decode, log, progress, ct);
        log.Information(
            "Cached the bottlenecks of {Count} images in {BottleneckDir}: {Computed} computed, {Reused} reused, {Skipped} skipped",
            paths.Count,
            options.BottleneckDir,
            stage.Computed,
            stage.Reused + stage.Imported,
            stage.Failures.Count);
        return new BottleneckRunResult(paths.Count, stage.Computed, stage.Reused, stage.Imported, stage.Failures, options.Shard);
    }

    /// <summary>retrain.py's <c>create_image_lists</c>.</summary>
    private static ImageLists ListImages(RetrainOptions options, ILogger log)
    {
        var lists = ImageListBuilder.Create(options.ImageDir, options.TestingPercentage, options.ValidationPercentage, log);
        log.Information(
            "Found {ClassCount} classes in {ImageDir}: {Labels}",
            lists.ClassCount,
            options.ImageDir,
            string.Join(", ", lists.Labels));
        return lists;
    }

    private static ResolvedModel ResolveModel(RetrainOptions options, ILogger log, IProgressSink? progress, CancellationToken ct) =>
        ModelLocator.Resolve(
            options.TfhubModule,
            options.Architecture,
            options.ModelDir,
            (options.ModelDownload ?? ModelDownloadSettings.FromEnvironment()) with { Progress = progress },
            log,
            ct);

    /// <summary>Opens the backbone and refuses, before any bottleneck, outputs or names it cannot take.</summary>
    private static Backbone OpenBackbone(ResolvedModel resolved, RetrainOptions options, OutputPlan plan, ILogger log)
    {
        var backbone = Backbone.Open(resolved, options.Model, PipelineThreads.ForPipeline(options.Inference));
        try
        {
            plan.EnsureWritableBy(backbone);
            backbone.CheckNames(options.FinalTensorName);
            backbone.Describe(log);
            return backbone;
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>retrain.py's <c>cache_bottlenecks</c>: every image's vector, from the cache, retrain.py's files or the backbone.</summary>
    private static BottleneckStage ComputeBottlenecks(
        IReadOnlyList<string> paths, Backbone backbone, ResolvedModel resolved, RetrainOptions options, ImageDecodeOptions decode, ILogger log, IProgressSink? progress, CancellationToken ct)
    {
        var model = backbone.Model;
        using var cache = new BottleneckCache(options.BottleneckDir, model.CacheKeyFor(decode), model.OutputLength, log);
        log.Information("Bottleneck cache: {CacheRoot}", cache.Root);
        cache.EnsureWritable(allowReadOnly: !options.BottlenecksOnly);
        var retrainPy = options.RetrainPyBottleneckDir is { } legacyDir
            ? RetrainPyBottlenecks.Open(legacyDir, options.RetrainPyBottleneckSuffix, paths, model.OutputLength, log, options.Architecture ?? resolved.CatalogName, backbone.Description.InputHeight)
            : null;
        var builder = new BottleneckBuilder(model, cache, log, options.EffectiveInferenceBatchSize, decodeOptions: decode, retrainPy: retrainPy) { Progress = progress };
        var stage = new BottleneckStage(builder.Build(paths, ct));
        if (cache.ReadOnly && stage.Computed + stage.Imported > 0)
        {
            log.Warning(
                "The cache lacked {Count} of this run's vectors, which were not kept: {CacheRoot} cannot be written, so the next run computes them again. Give a writable {Flag} to keep them",
                stage.Computed + stage.Imported,
                cache.Root,
                Flags.BottleneckDir);
        }

        return stage;
    }

    /// <summary>retrain.py's training loop, with the outputs written while it runs.</summary>
    private static TrainingResult Train(
        SplitParts parts,
        ImageLists lists,
        Backbone backbone,
        OutputPlan plan,
        RunIdentity identity,
        TrainingSettings settings,
        ResumePoint? resume,
        RetrainOptions options,
        ImageDecodeOptions decode,
        TrainingCurves? curves,
        ILogger log,
        IProgressSink? progress,
        CancellationToken ct)
    {
        var intermediate = backbone.IntermediateGraphs(options.FinalTensorName, options.IntermediateOutputGraphsDir, options.IntermediateStoreFrequency, log);
        using var outputs = TrainingOutputs.Start(plan.PathOf(OutputPlan.Checkpoint), intermediate, plan.PathOf(OutputPlan.Summaries), identity, settings, resume, log)
            .WithCurves(curves);
        using var distorted = StartDistortions(backbone.Model, parts.Training, lists, settings, resume, options, decode, log, progress, ct);
        TrainingResult result;
        try
        {
            var job = new TrainingJob(parts.Training, parts.Validation, parts.Testing, lists.Labels, settings)
            {
                Observer = outputs.Any ? outputs : null,
                Resume = resume,
                Batches = distorted,
            };
            result = Trainer.Run(job, log, ct);
            distorted?.LogSummary();
        }
        catch (OperationCanceledException)
        {
            outputs.Interrupted(log);
            throw;
        }

        outputs.Completed();
        return result;
    }

    /// <summary>--report_dir: the training curves, the dataset, the test evaluation and the misclassified photos.</summary>
    private static void WriteReport(
        OutputPlan plan, ResolvedModel resolved, TrainingSettings settings, TrainingCurves? curves, DatasetSummary dataset, TrainingResult result, IReadOnlyList<string> labels, ILogger log)
    {
        if (plan.PathOf(OutputPlan.Report) is not { } reportDir)
        {
            return;
        }

        var report = new RunReport(resolved.CatalogName ?? resolved.Path, settings.Steps, curves!.Points, dataset, TestEvaluation.Of(result.Test, labels), RunReport.MisclassifiedOf(result.Test, labels));
        ReportWriter.Write(reportDir, report);
        log.Information("Wrote the report to {Path:l}", Path.Combine(reportDir, ReportWriter.PageName));
    }

    /// <summary>Logs the per-class evaluation and, with --evaluation_json, writes it as JSON.</summary>
    private static void Evaluate(TrainingResult result, IReadOnlyList<string> labels, RetrainOptions options, ILogger log)
    {
        if (TestEvaluation.Of(result.Test, labels) is not { } evaluation)
        {
            return;
        }

        evaluation.Log(log);
        if (options.EvaluationJson is { } path)
        {
            // AtomicFile turns an I/O failure into a RetrainException naming the path.
            evaluation.WriteJson(path);
            log.Information("Wrote the test evaluation to {Path}", path);
        }
    }

    private static void PrintMisclassified(TrainingResult result, RetrainOptions options, ILogger log)
    {
        if (!options.PrintMisclassifiedTestImages)
        {
            return;
        }

        log.Information("=== MISCLASSIFIED TEST IMAGES ===");
        foreach (var m in result.Test.Misclassified)
        {
            log.Information("{Path,70}  {Predicted}", m.Path, m.PredictedLabel);
        }
    }

    /// <summary>
    /// With any distortion flag, the training batches become distorted photos run through the backbone (retrain.py's
    /// <c>get_random_distorted_bottlenecks</c>); validation and test keep using the cached vectors, as there.
    /// </summary>
    private static DistortedBatches? StartDistortions(
        LoadedModel model,
        LabeledVectors training,
        ImageLists lists,
        TrainingSettings settings,
        ResumePoint? resume,
        RetrainOptions options,
        ImageDecodeOptions decode,
        ILogger log,
        IProgressSink? progress,
        CancellationToken ct)
    {
        var firstStep = resume?.StepsDone ?? 0;
        if (!settings.Distortions.Any || firstStep >= settings.Steps)
        {
            return null; // no step left to distort for
        }

        log.Information(
            "Distorting training images ({Distortions:l}): each of the {Steps} steps runs {BatchSize} freshly distorted photos through the backbone; validation and test use the cached bottlenecks",
            settings.Distortions.Describe(),
            settings.Steps - firstStep,
            settings.TrainBatchSize);
        return new DistortedBatches(
            model, training, lists.ClassCount, settings, firstStep, options.EffectiveInferenceBatchSize, decode, log, ct) { Progress = progress };
    }

    private static void EnsureTrainable(LabeledVectors training, ImageLists lists, int failures)
    {
        var classesWithData = training.Labels.Distinct().Count();
        if (classesWithData >= 2)
        {
            return;
        }

        throw new RetrainException(
            ExitCode.BadDataset,
            $"Nothing to train on: only {classesWithData} of {lists.ClassCount} classes in '{lists.ImageDir}' have usable training images " +
            $"({failures} images could not be decoded). Add images to the class folders or fix the files listed above.");
    }
}
