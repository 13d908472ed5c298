using System.Runtime.ExceptionServices;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Serilog;

namespace Retrain;

/// <summary>
/// label_image.py: run a classifier graph on images and rank its labels. Unlike label_image.py it reads the
/// preprocessing from graphs retrain wrote, and recognises MobileNet graphs, so the usual call needs no layer flags.
/// Several images are decoded on every core and run in batches of the device's size, the next batch decoding while one runs.
/// </summary>
public static class LabelImageEngine
{
    public const string DefaultOutputLayer = "final_result";

    /// <summary>From this many images on, label-image runs 3x3 convolutions on retrain's Winograd kernel.</summary>
    public const int WinogradMinImages = 64;

    /// <param name="labelled">Called with each image's labels as soon as they are known, so a long list shows its
    /// answers as it goes and an interrupted run keeps the ones already given.</param>
    public static LabelImageResult Run(LabelImageOptions options, ILogger log, CancellationToken ct, Action<ImageLabels>? labelled = null)
    {
        Validate(options);
        var images = ImageArguments.Expand(options.Images, log);

        // Cutting Inception-v3 for retrain's Winograd kernel adds load time (ten-odd stage sessions instead of one) and
        // saves a little per image: it pays off only over many images (figures in docs/performance.md).
        var inference = images.Count >= WinogradMinImages ? options.Inference : options.Inference with { WinogradConvolutions = false };
        if (images.Count > 1)
        {
            // The decoders work beside the model, as they do for bottlenecks.
            inference = PipelineThreads.ForPipeline(inference);
        }

        using var model = LoadedModel.OpenClassifier(options.Graph, options.Model, inference, DefaultOutputLayer);
        var labels = ReadLabels(options, model, log);

        var d = model.Description;
        log.Debug("Running {Graph}: {Input} -> {Output}, {Height}x{Width}, mean {Mean}, std {Std}", d.Path, d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth, d.InputMean, d.InputStd);
        if (model.BatchNote is { } batch)
        {
            log.Debug("ONNX model {Graph}: {Batch}", d.Path, batch);
        }

        var results = new List<ImageLabels>(images.Count);
        var failures = new List<ImageFailure>();
        var batchSize = model.Runner.BatchSizeFor(Math.Min(inference.Device.LabelImageBatchSize, images.Count));
        using var first = model.Runner.CreateBatchBuffer(batchSize);
        using var second = images.Count > batchSize ? model.Runner.CreateBatchBuffer(batchSize) : null;
        foreach (var decoded in DecodeAhead(images.Chunk(batchSize), model.Preprocessing, [first, second ?? first], ct))
        {
            Label(decoded, model, labels, options.TopK, images.Count == 1, log, results, failures, labelled);
        }

        return new LabelImageResult(d, results, failures);
    }

    private static void Validate(LabelImageOptions options)
    {
        if (options.TopK < 1)
        {
            throw new RetrainException(ExitCode.Usage, $"Invalid value for {Flags.TopK}: it must be at least 1.");
        }

        if (options.Images.Count == 0)
        {
            throw new RetrainException(ExitCode.Usage, $"No image given. Pass {Flags.Image} FILE (several times for several images) or {Flags.Image} FOLDER.");
        }

        Flags.RequirePath(options.Graph, Flags.Graph);
        if (options.Labels is not null)
        {
            Flags.RequirePath(options.Labels, Flags.Labels);
        }

        foreach (var image in options.Images)
        {
            Flags.RequirePath(image, Flags.Image);
        }

        options.Model.Validate();
    }

    /// <summary>An ONNX file retrain exported carries its labels; an explicit --labels file still wins.</summary>
    private static string[] ReadLabels(LabelImageOptions options, LoadedModel model, ILogger log)
    {
        if (options.Labels is null && model.Labels is { } embedded && embedded.Count == model.OutputLength)
        {
            return embedded.ToArray();
        }

        if (options.Labels is null && model.Labels is null)
        {
            log.Warning(
                "No " + Flags.Labels + " given, and {Graph} carries none: classes are shown by their index, 0 to {Last}. Pass " + Flags.Labels + " with the labels file written beside the graph (output_labels.txt) to see their names.",
                options.Graph,
                model.OutputLength - 1);
        }

        return LabelFile.Read(options.Labels, model.OutputLength);
    }

    /// <summary>
    /// The batches decoded in order, each decoding on a task of its own into one of two buffers while the one before it
    /// is labelled from the other: the consumer is done with a buffer before the batch after next decodes into it. A
    /// batch not taken (an error or Ctrl+C while labelling) is waited for, so no decoder outlives the buffers.
    /// </summary>
    private static IEnumerable<DecodedBatch> DecodeAhead(IEnumerable<string[]> batches, ImagePreprocessing prep, BatchBuffer[] buffers, CancellationToken ct)
    {
        Task<DecodedBatch>? next = null;
        var count = 0;
        try
        {
            foreach (var batch in batches)
            {
                var current = next;
                var buffer = buffers[count++ % buffers.Length];
                next = Task.Run(() => DecodedBatch.Decode(batch, prep, buffer, ct), ct);
                if (current is not null)
                {
                    yield return current.GetAwaiter().GetResult();
                }
            }

            if (next is not null)
            {
                var last = next;
                next = null;
                yield return last.GetAwaiter().GetResult();
            }
        }
        finally
        {
            if (next is not null)
            {
                try
                {
                    next.GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is OperationCanceledException or RetrainException)
                {
                    // The error being reported is the one that stopped the labelling, not this batch's.
                }
            }
        }
    }

    /// <summary>
    /// Runs the batch's decoded images as one model call and reports every image in the order given. One bad file in
    /// a list of many is a warning and a failure (the exit code still reports it); a single image's is the error.
    /// </summary>
    private static void Label(
        DecodedBatch batch,
        LoadedModel model,
        string[] labels,
        int topK,
        bool single,
        ILogger log,
        List<ImageLabels> results,
        List<ImageFailure> failures,
        Action<ImageLabels>? labelled)
    {
        if (single && batch.Errors[0] is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        var outputs = batch.Decoded == 0 ? default : batch.Run();
        var row = 0;
        for (var i = 0; i < batch.Paths.Length; i++)
        {
            if (batch.Errors[i] is { } e)
            {
                log.Warning("{Message}", e.Message);
                failures.Add(new ImageFailure(batch.Paths[i], e.Message));
                continue;
            }

            var probabilities = outputs.Slice(row++ * model.OutputLength, model.OutputLength).ToArray();
            var top = probabilities
                .Select((score, index) => new LabelScore(index, labels[index], score))
                .OrderByDescending(s => s.Score)
                .ThenBy(s => s.Index)
                .Take(topK)
                .ToList();
            var answer = new ImageLabels(batch.Paths[i], probabilities, top);
            results.Add(answer);
            labelled?.Invoke(answer);
        }
    }
}
