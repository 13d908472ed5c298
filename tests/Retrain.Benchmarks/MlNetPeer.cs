using System.Globalization;
using Retrain.Data;
using Retrain.Graphs;

namespace Retrain.Benchmarks;

/// <summary>
/// Runs the ML.NET peer (tests/Retrain.Benchmarks.MlNet) as a child process on the same images, split and network:
/// the ONNX it loads is what retrain's importer makes of the GraphDef (NHWC input, symbolic batch), and the image list
/// says which part each image belongs to. Returns the key=value pairs of its report line.
/// </summary>
internal static class MlNetPeer
{
    public static IReadOnlyDictionary<string, string> Run(string dll, LoadedModel model, ImageLists lists, int runs, string workDir)
    {
        var d = model.Description;
        var imported = GraphImporter.Import(model.Graph!, d.InputNode, d.OutputNode);
        var onnx = Path.Combine(workDir, "backbone.onnx");
        File.WriteAllBytes(onnx, imported.OnnxModel);

        var list = Path.Combine(workDir, "images.tsv");
        File.WriteAllLines(list,
            from part in new[] { DatasetPart.Training, DatasetPart.Validation, DatasetPart.Testing }
            from image in lists.Images(part)
            select $"{part.ToString().ToLowerInvariant()}\t{lists.Labels[image.ClassIndex]}\t{image.Path}");

        var c = CultureInfo.InvariantCulture;
        var (_, stdout, _) = ChildProcess.Run(dll,
        [
            "--model", onnx, "--input", imported.InputName, "--output", imported.OutputName,
            "--height", d.InputHeight.ToString(c), "--width", d.InputWidth.ToString(c),
            "--mean", d.InputMean.ToString("R", c), "--std", d.InputStd.ToString("R", c),
            "--images", list, "--runs", runs.ToString(c),
        ]);
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("mlnet ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("the ML.NET peer printed no report line: " + stdout);
        return line.Trim().Split(' ').Skip(1).Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }
}
