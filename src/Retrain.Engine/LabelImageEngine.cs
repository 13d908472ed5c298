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

    public static LabelImageResult Run(LabelImageOptions options, ILogger log, CancellationToken ct)
    {
        if (options.TopK < 1)
        {
            throw new RetrainException(ExitCode.Usage, "Invalid value for --top_k: it must be at least 1.");
        }

        if (options.Images.Count == 0)
        {
            throw new RetrainException(ExitCode.Usage, "No image given. Pass --image FILE (several times for several images).");
        }

        using var model = LoadedModel.OpenClassifier(options.Graph, options.Model, options.Inference, DefaultOutputLayer);
        // An ONNX file retrain exported carries its labels; an explicit --labels file still wins.
        var labels = options.Labels is null && model.Labels is { } embedded && embedded.Count == model.OutputLength
            ? embedded.ToArray()
            : LabelFile.Read(options.Labels, model.OutputLength);
        if (options.Labels is null && model.Labels is null)
        {
            log.Warning(
                "No --labels given, and {Graph} carries none: classes are shown by their index, 0 to {Last}. Pass --labels with the labels file written beside the graph (output_labels.txt) to see their names.",
                options.Graph,
                model.OutputLength - 1);
        }
        var d = model.Description;
        log.Debug("Running {Graph}: {Input} -> {Output}, {Height}x{Width}, mean {Mean}, std {Std}", d.Path, d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth, d.InputMean, d.InputStd);

        var prep = model.Preprocessing;
        var input = new float[prep.Height * prep.Width * 3];
        var results = new List<ImageLabels>(options.Images.Count);
        foreach (var image in options.Images)
        {
            ct.ThrowIfCancellationRequested();
            ImageLoader.LoadInto(image, prep, input);
            var probabilities = new float[model.OutputLength];
            model.Runner.Run(input, 1, probabilities);
            var top = probabilities
                .Select((score, index) => new LabelScore(index, labels[index], score))
                .OrderByDescending(s => s.Score)
                .ThenBy(s => s.Index)
                .Take(options.TopK)
                .ToList();
            results.Add(new ImageLabels(image, probabilities, top));
        }

        return new LabelImageResult(d, results);
    }
}
