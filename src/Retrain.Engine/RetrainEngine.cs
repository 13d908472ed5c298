using Retrain.Bottlenecks;
using Retrain.Checkpoints;
using Retrain.Data;
using Retrain.Distortions;
using Retrain.Errors;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.IO;
using Retrain.Models;
using Retrain.Protos.TensorFlow;
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
    public static RetrainResult Run(RetrainOptions options, ILogger log, CancellationToken ct)
    {
        OptionsValidator.Validate(options);
        string?[] defaults = [options.OutputGraph, options.OutputLabels, options.BottleneckDir, options.IntermediateStoreFrequency > 0 ? options.IntermediateOutputGraphsDir : null];
        if (defaults.Any(DefaultPaths.IsInUserTempRoot))
        {
            DefaultPaths.EnsurePrivate(DefaultPaths.UserTempRoot);
        }

        OutputLocations.EnsureDistinct(
        [
            ("--output_graph", options.OutputGraph),
            ("--output_labels", options.OutputLabels),
            ("--bottleneck_dir", options.BottleneckDir),
            ("--output_onnx", options.OutputOnnx),
            ("--checkpoint_path", options.CheckpointPath),
            ("--saved_model_dir", options.SavedModelDir),
            ("--summaries_dir", options.SummariesDir),
            ("--intermediate_output_graphs_dir", options.IntermediateStoreFrequency > 0 ? options.IntermediateOutputGraphsDir : null),
        ]);
        var written = WrittenPaths(options);
        OutputLocations.EnsureApartFromInputs(
            written,
            [
                ("--image_dir", options.ImageDir),
                ("--bottleneck_dir", options.BottleneckDir),
                ("--retrain_py_bottleneck_dir", options.RetrainPyBottleneckDir),
                ("--checkpoint_path", options.CheckpointPath),
            ]);
        OutputLocations.EnsureApartFromIntermediateGraphs(
            written, options.IntermediateOutputGraphsDir, options.IntermediateStoreFrequency, options.HowManyTrainingSteps);
        OutputLocations.EnsureWritableFile(options.OutputGraph, "--output_graph");
        OutputLocations.EnsureWritableFile(options.OutputLabels, "--output_labels");
        OutputLocations.EnsureWritableFolder(options.BottleneckDir, "--bottleneck_dir");
        TrainingOutputs.CheckLocations(options);

        var lists = ImageListBuilder.Create(options.ImageDir, options.TestingPercentage, options.ValidationPercentage, log);
        log.Information(
            "Found {ClassCount} classes in {ImageDir}: {Labels}",
            lists.ClassCount,
            options.ImageDir,
            string.Join(", ", lists.Labels));

        var resolved = ModelLocator.Resolve(
            options.TfhubModule,
            options.Architecture,
            options.ModelDir,
            options.ModelDownload ?? ModelDownloadSettings.FromEnvironment(),
            log,
            ct);
        var modelPath = resolved.Path;

        // Known only now (a catalogue name resolves to a downloaded file), and still before any bottleneck.
        OutputLocations.EnsureApartFromInputs(written, [(options.TfhubModule is null && options.Architecture is not null ? "--architecture" : "--tfhub_module", modelPath)]);
        using var model = LoadedModel.OpenBackbone(modelPath, resolved.Apply(options.Model), PipelineThreads.ForPipeline(options.Inference));
        var d = model.Description;
        if (model.Graph is null)
        {
            RequireOnnxOutputs(options, modelPath);
            OnnxClassifierComposer.CheckNames(model, options.FinalTensorName);
        }
        else
        {
            RetrainedGraphWriter.CheckNames(model.Graph, d, options.FinalTensorName);
        }

        log.Information(
            "Model {Path} ({Architecture}): input {Input} {Height}x{Width}, mean {Mean}, std {Std}; bottleneck {Bottleneck} ({Length} values)",
            modelPath,
            d.Architecture,
            d.InputNode,
            d.InputHeight,
            d.InputWidth,
            d.InputMean,
            d.InputStd,
            d.OutputNode,
            model.OutputLength);
        if (model.Runner.OwnConvolutions > 0)
        {
            log.Debug("{Count} 3x3 convolutions of the backbone run on retrain's Winograd kernel, the rest in ONNX Runtime", model.Runner.OwnConvolutions);
        }

        var settings = new TrainingSettings(
            options.HowManyTrainingSteps,
            options.LearningRate,
            options.EvalStepInterval,
            options.TrainBatchSize,
            options.ValidationBatchSize,
            options.TestBatchSize,
            options.RandomSeed)
        {
            Distortions = new DistortionSettings(options.FlipLeftRight, options.RandomCrop, options.RandomScale, options.RandomBrightness),
            Inference = options.Inference,
        };

        // Checked before the bottlenecks: a checkpoint for other data should fail in a second, not after an hour.
        var identity = RunIdentity.Of(lists, model.CacheKey, model.OutputLength);
        var resume = TrainingOutputs.Given(options.CheckpointPath)
            ? CheckpointResume.Load(options.CheckpointPath!, identity, settings, log)
            : null;

        var parts = DatasetParts.From(lists);
        var decode = new ImageDecodeOptions { ReducedScaleJpeg = options.ReducedScaleJpeg };
        BottleneckSet bottlenecks;
        using (var cache = new BottleneckCache(options.BottleneckDir, model.CacheKeyFor(decode), model.OutputLength, log))
        {
            log.Information("Bottleneck cache: {CacheRoot}", cache.Root);
            var retrainPy = options.RetrainPyBottleneckDir is { } legacyDir
                ? RetrainPyBottlenecks.Open(legacyDir, options.RetrainPyBottleneckSuffix, parts.AllPaths, model.OutputLength, log, options.Architecture ?? resolved.CatalogName, d.InputHeight)
                : null;
            var builder = new BottleneckBuilder(model, cache, log, options.InferenceBatchSize, decodeOptions: decode, retrainPy: retrainPy);
            bottlenecks = builder.Build(parts.AllPaths, ct);
        }

        var (training, validation, testing) = parts.Split(bottlenecks);
        DatasetReport.Log(lists, training, validation, testing, bottlenecks.Failures.Count, log);
        EnsureTrainable(training, lists, bottlenecks);

        TrainingResult result;
        using (var outputs = TrainingOutputs.Start(options, model, identity, settings, resume, log))
        using (var distorted = StartDistortions(model, training, lists, settings, resume, options, decode, log, ct))
        {
            try
            {
                ITrainingBatches batches = distorted is null
                    ? new CachedBatches(training, lists.ClassCount, settings.TrainBatchSize)
                    : distorted;
                result = Trainer.Run(training, validation, testing, lists.Labels, settings, log, outputs.Any ? outputs : null, resume, batches, ct);
                distorted?.LogSummary();
            }
            catch (OperationCanceledException)
            {
                outputs.Interrupted();
                throw;
            }

            outputs.Completed();
        }

        if (options.PrintMisclassifiedTestImages)
        {
            log.Information("=== MISCLASSIFIED TEST IMAGES ===");
            foreach (var m in result.Test.Misclassified)
            {
                log.Information("{Path,70}  {Predicted}", m.Path, m.PredictedLabel);
            }
        }

        ct.ThrowIfCancellationRequested();
        if (model.Graph is null)
        {
            using (var outputs = new OutputTransaction())
            {
                OnnxClassifierComposer.Write(outputs, model, result.Layer, options.FinalTensorName, lists.Labels, options.OutputOnnx!);
                WriteLabels(outputs, lists, options);
                outputs.Commit();
            }

            log.Information("Wrote {OutputOnnx} and {OutputLabels} (no output_graph.pb: the backbone is an ONNX model)", options.OutputOnnx, options.OutputLabels);
        }
        else
        {
            WriteGraphOutputs(model.Graph, d, result.Layer, lists, options, log);
        }

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
        CancellationToken ct)
    {
        if (!settings.Distortions.Any)
        {
            return null;
        }

        var firstStep = resume?.StepsDone ?? 0;
        log.Information(
            "Distorting training images ({Distortions:l}): each of the {Steps} steps runs {BatchSize} freshly distorted photos through the backbone; validation and test use the cached bottlenecks",
            settings.Distortions.Describe(),
            settings.Steps - firstStep,
            settings.TrainBatchSize);
        return new DistortedBatches(
            model, training, lists.ClassCount, settings, firstStep, options.InferenceBatchSize, decode, log, ct);
    }

    /// <summary>
    /// output_graph.pb, its labels and the optional SavedModel and ONNX export are committed together (issue 15): a
    /// failure in any of them leaves every earlier output as it was, so graph and labels never disagree.
    /// </summary>
    private static void WriteGraphOutputs(GraphDef backbone, ModelDescription d, FinalLayer layer, ImageLists lists, RetrainOptions options, ILogger log)
    {
        var graph = RetrainedGraphWriter.Build(backbone, d, layer, options.FinalTensorName);
        using (var outputs = new OutputTransaction())
        {
            outputs.Write(options.OutputGraph, graph);
            WriteLabels(outputs, lists, options);
            if (TrainingOutputs.Given(options.SavedModelDir))
            {
                SavedModelWriter.Write(outputs, graph, d, options.FinalTensorName, lists.ClassCount, options.SavedModelDir!);
            }

            if (TrainingOutputs.Given(options.OutputOnnx))
            {
                OnnxExporter.Write(outputs, graph, d, options.FinalTensorName, lists.Labels, options.OutputOnnx!);
            }

            outputs.Commit();
        }

        log.Information("Wrote {OutputGraph} and {OutputLabels}", options.OutputGraph, options.OutputLabels);
        if (TrainingOutputs.Given(options.SavedModelDir))
        {
            log.Information("Wrote SavedModel {SavedModelDir}", options.SavedModelDir);
        }

        if (TrainingOutputs.Given(options.OutputOnnx))
        {
            log.Information("Wrote {OutputOnnx}", options.OutputOnnx);
        }
    }

    private static void WriteLabels(OutputTransaction outputs, ImageLists lists, RetrainOptions options) =>
        outputs.WriteAllText(options.OutputLabels, string.Concat(lists.Labels.Select(l => l + "\n")));

    /// <summary>Every path the run writes, for the checks against its inputs.</summary>
    private static Written[] WrittenPaths(RetrainOptions o) =>
    [
        new("--output_graph", o.OutputGraph),
        new("--output_labels", o.OutputLabels),
        new("--bottleneck_dir", o.BottleneckDir),
        new("--output_onnx", o.OutputOnnx),
        new("--checkpoint_path", o.CheckpointPath),
        new("--saved_model_dir", o.SavedModelDir),
        .. TrainingOutputs.Given(o.SummariesDir)
            ? TrainingSummaries.ClearedFolders(o.SummariesDir!).Select(f => new Written("--summaries_dir", f, Cleared: true))
            : [],
        new("--intermediate_output_graphs_dir", o.IntermediateStoreFrequency > 0 ? o.IntermediateOutputGraphsDir : null),
    ];

    /// <summary>
    /// A TensorFlow GraphDef cannot hold an ONNX backbone, so output_graph.pb, the SavedModel and intermediate graphs
    /// cannot be written for one; the retrained model comes out as ONNX. Checked before any bottleneck is computed.
    /// </summary>
    private static void RequireOnnxOutputs(RetrainOptions options, string modelPath)
    {
        string? graphOnly = TrainingOutputs.Given(options.SavedModelDir) ? "--saved_model_dir"
            : options.IntermediateStoreFrequency > 0 ? "--intermediate_store_frequency"
            : null;
        if (graphOnly is not null || !TrainingOutputs.Given(options.OutputOnnx))
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"'{modelPath}' is an ONNX model, and a TensorFlow GraphDef (output_graph.pb" +
                (graphOnly is null ? ")" : $", and so {graphOnly})") +
                " cannot hold an ONNX backbone. Pass --output_onnx PATH to get the retrained classifier as one ONNX file" +
                (graphOnly is null ? "." : $", and leave out {graphOnly}."));
        }
    }

    private static void EnsureTrainable(LabeledVectors training, ImageLists lists, BottleneckSet bottlenecks)
    {
        var classesWithData = training.Labels.Distinct().Count();
        if (classesWithData >= 2)
        {
            return;
        }

        throw new RetrainException(
            ExitCode.BadDataset,
            $"Nothing to train on: only {classesWithData} of {lists.ClassCount} classes in '{lists.ImageDir}' have usable training images " +
            $"({bottlenecks.Failures.Count} images could not be decoded). Add images to the class folders or fix the files listed above.");
    }
}
