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
/// Several images are decoded on every core while the model runs those before them (<see cref="LabelingPass"/>).
/// </summary>
public static class LabelImageEngine
{
    public const string DefaultOutputLayer = "final_result";

    /// <summary>From this many images on, label-image runs 3x3 convolutions on retrain's Winograd kernel.</summary>
    public const int WinogradMinImages = 64;

    /// <param name="labelled">Called with each image's labels as soon as they are known, so a long list shows its
    /// answers as it goes and an interrupted run keeps the ones already given; they are then not kept in the result.</param>
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

        // Answers handed to the caller as they come are not also kept: a folder of a million photos would hold gigabytes.
        var kept = labelled is null ? new List<ImageLabels>(images.Count) : null;
        var pass = new LabelingPass(model, labels, options.TopK, inference.Device, log);
        pass.Run(images, labelled ?? kept!.Add, ct);
        return new LabelImageResult(d, kept ?? [], pass.Failures, pass.Labelled);
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
}
