using System.CommandLine;
using Retrain.Cli.Common;
using System.Globalization;
using Retrain;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Serilog;

namespace LabelImage.Cli;

/// <summary>
/// `label-image`: label_image.py's flags plus --top_k (the older label_image.py's --num_top_predictions, an alias), one
/// <see cref="LabelImageEngine.Run"/> call, and the top labels printed to stdout as "label score" lines, best first.
/// </summary>
internal static class LabelImageCommand
{
    private static readonly Option<string> Graph = new(Flags.Graph) { Description = "Graph to run: a frozen GraphDef (.pb), an ONNX model, or a TensorFlow SavedModel folder (one retrain wrote, or one with variables).", Required = true };
    private static readonly Option<string?> Labels = new(Flags.Labels) { Description = "Labels file: one label per line (output_labels.txt) or 'index:name' lines. Default: the labels an ONNX file from retrain carries." };
    private static readonly Option<string[]> Image = ImageOption();
    private static readonly ModelFlags ModelDescription = new(Flags.OutputLayer, $"Name of the output node (default: {LabelImageEngine.DefaultOutputLayer}).", "graph");
    private static readonly Option<int> TopK = new(Flags.TopK, Flags.NumTopPredictions) { Description = "How many labels to print.", DefaultValueFactory = _ => 5 };

    public static PythonScriptCommand Create()
    {
        var command = new PythonScriptCommand(
            "Labels images with a graph written by retrain or retrain.py (TensorFlow label_image.py, in .NET).",
            "label_image.py",
            Flags.LabelImagePy);
        foreach (var option in new Option[] { Graph, Labels, Image, TopK }.Concat(ModelDescription.All))
        {
            command.Options.Add(option);
        }

        return FlagParsing.Apply(command);
    }

    /// <summary>
    /// --image takes several names after one flag, so a mistyped flag after it (--topk) would otherwise be taken for an
    /// image and reported as a missing file instead of a usage error.
    /// </summary>
    private static Option<string[]> ImageOption()
    {
        var option = new Option<string[]>(Flags.Image) { Description = "Image to label, or a folder: the .jpg, .jpeg and .png files directly in it. Repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        option.Validators.Add(result =>
        {
            foreach (var name in result.Tokens.Select(t => t.Value).Where(v => v.Length > 1 && v[0] == '-'))
            {
                result.AddError(
                    $"'{name}' is not a flag of label-image; after --image it would be taken for an image name. " +
                    $"Check the spelling against 'label-image --help', or write an image named like a flag as ./{name}.");
            }
        });
        return option;
    }

    public static ExitCode Execute(ParseResult p, ILogger log, TextWriter stdout, CancellationToken ct)
    {
        var options = Bind(p);
        var several = options.Images.Count > 1 || Directory.Exists(options.Images[0]);
        var result = LabelImageEngine.Run(options, log, ct, labels =>
        {
            if (several)
            {
                stdout.WriteLine(labels.Image + ":");
            }

            foreach (var score in labels.Top)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{score.Label} {score.Score:0.00000}"));
            }

            stdout.Flush();
        });

        if (result.Failures.Count > 0)
        {
            log.Error("{Failed} of {Count} images could not be labelled (see the warnings above).", result.Failures.Count, result.Failures.Count + result.Labelled);
            return ExitCode.BadImage;
        }

        return ExitCode.Success;
    }

    internal static LabelImageOptions Bind(ParseResult p) => new()
    {
        Graph = p.GetRequiredValue(Graph),
        Labels = p.GetValue(Labels),
        Images = p.GetRequiredValue(Image),
        TopK = p.GetValue(TopK),
        Model = ModelDescription.Overrides(p),
        Inference = ModelDescription.Inference(p),
    };
}
