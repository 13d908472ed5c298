using Retrain.Bottlenecks;
using Retrain.Data;
using Retrain.Errors;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.IO;
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
        OutputLocations.EnsureWritableFile(options.OutputGraph, "--output_graph");
        OutputLocations.EnsureWritableFile(options.OutputLabels, "--output_labels");
        OutputLocations.EnsureWritableFolder(options.BottleneckDir, "--bottleneck_dir");

        var lists = ImageListBuilder.Create(options.ImageDir, options.TestingPercentage, options.ValidationPercentage, log);
        log.Information(
            "Found {ClassCount} classes in {ImageDir}: {Labels}",
            lists.ClassCount,
            options.ImageDir,
            string.Join(", ", lists.Labels));

        var modelPath = ModelLocator.Resolve(options.TfhubModule, options.Architecture, options.ModelDir);
        using var model = LoadedModel.OpenBackbone(modelPath, options.Model, PipelineThreads.ForPipeline(options.Inference));
        var d = model.Description;
        if (model.Graph is null)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"'{modelPath}' is an ONNX model; writing output_graph.pb (a TensorFlow GraphDef) from an ONNX backbone is not supported yet. Use a frozen GraphDef backbone.");
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

        var parts = DatasetParts.From(lists);
        var decode = new ImageDecodeOptions { ReducedScaleJpeg = options.ReducedScaleJpeg };
        var cache = new BottleneckCache(options.BottleneckDir, model.CacheKeyFor(decode), model.OutputLength);
        log.Information("Bottleneck cache: {CacheRoot}", cache.Root);
        var builder = new BottleneckBuilder(model, cache, log, options.InferenceBatchSize, decodeOptions: decode);
        var bottlenecks = builder.Build(parts.AllPaths, ct);

        var (training, validation, testing) = parts.Split(bottlenecks);
        EnsureTrainable(training, lists, bottlenecks);

        var settings = new TrainingSettings(
            options.HowManyTrainingSteps,
            options.LearningRate,
            options.EvalStepInterval,
            options.TrainBatchSize,
            options.ValidationBatchSize,
            options.TestBatchSize,
            options.RandomSeed);
        var result = Trainer.Run(training, validation, testing, lists.Labels, settings, log, ct);

        if (options.PrintMisclassifiedTestImages)
        {
            log.Information("=== MISCLASSIFIED TEST IMAGES ===");
            foreach (var m in result.Test.Misclassified)
            {
                log.Information("{Path,70}  {Predicted}", m.Path, m.PredictedLabel);
            }
        }

        ct.ThrowIfCancellationRequested();
        var graph = RetrainedGraphWriter.Build(model.Graph, d, result.Layer, options.FinalTensorName);
        GraphDefFile.Save(graph, options.OutputGraph);
        AtomicFile.WriteAllText(options.OutputLabels, string.Concat(lists.Labels.Select(l => l + "\n")));
        log.Information("Wrote {OutputGraph} and {OutputLabels}", options.OutputGraph, options.OutputLabels);
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
            options.OutputLabels);
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
