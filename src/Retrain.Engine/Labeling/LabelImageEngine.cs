using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Serilog;

namespace Retrain;

/// <summary>
/// label_image.py: run a classifier graph on images and rank its labels. Unlike label_image.py it reads the
/// preprocessing from graphs retrain wrote, and recognises MobileNet graphs, so the usual call needs no layer flags.
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
        if (options.TopK < 1)
        {
            throw new RetrainException(ExitCode.Usage, $"Invalid value for {Flags.TopK}: it must be at least 1.");
        }

        if (options.Images.Count == 0)
        {
            throw new RetrainException(ExitCode.Usage, $"No image given. Pass {Flags.Image} FILE (several times for several images).");
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

        // Cutting Inception-v3 for retrain's Winograd kernel adds load time (ten-odd stage sessions instead of one) and
        // saves a little per image: it pays off only over many images (figures in docs/performance.md).
        var inference = options.Images.Count >= WinogradMinImages ? options.Inference : options.Inference with { WinogradConvolutions = false };
        using var model = LoadedModel.OpenClassifier(options.Graph, options.Model, inference, DefaultOutputLayer);
        // An ONNX file retrain exported carries its labels; an explicit --labels file still wins.
        var labels = options.Labels is null && model.Labels is { } embedded && embedded.Count == model.OutputLength
            ? embedded.ToArray()
            : LabelFile.Read(options.Labels, model.OutputLength);
        if (options.Labels is null && model.Labels is null)
        {
            log.Warning(
                "No " + Flags.Labels + " given, and {Graph} carries none: classes are shown by their index, 0 to {Last}. Pass " + Flags.Labels + " with the labels file written beside the graph (output_labels.txt) to see their names.",
                options.Graph,
                model.OutputLength - 1);
        }

        var d = model.Description;
        log.Debug("Running {Graph}: {Input} -> {Output}, {Height}x{Width}, mean {Mean}, std {Std}", d.Path, d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth, d.InputMean, d.InputStd);
        if (model.BatchNote is { } batch)
        {
            log.Debug("ONNX model {Graph}: {Batch}", d.Path, batch);
        }

        var prep = model.Preprocessing;
        var results = new List<ImageLabels>(options.Images.Count);
        var failures = new List<ImageFailure>();
        foreach (var image in options.Images)
        {
            ct.ThrowIfCancellationRequested();

            // Decoded straight into the runner's own input (on a GPU, page-locked memory the run binds): no copy.
            var input = model.Runner.InputFor(1);
            try
            {
                ImageLoader.LoadInto(image, prep, input);
            }
            catch (RetrainException e) when (e.Code == ExitCode.BadImage && options.Images.Count > 1)
            {
                // One bad file in a list of many: say which and label the rest (the exit code still reports it).
                log.Warning("{Message}", e.Message);
                failures.Add(new ImageFailure(image, e.Message));
                continue;
            }

            var probabilities = model.Runner.RunInPlace(1)[..model.OutputLength].ToArray();
            var top = probabilities
                .Select((score, index) => new LabelScore(index, labels[index], score))
                .OrderByDescending(s => s.Score)
                .ThenBy(s => s.Index)
                .Take(options.TopK)
                .ToList();
            var answer = new ImageLabels(image, probabilities, top);
            results.Add(answer);
            labelled?.Invoke(answer);
        }

        return new LabelImageResult(d, results, failures);
    }
}
