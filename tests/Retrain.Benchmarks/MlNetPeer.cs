using System.Globalization;
using Retrain.Data;
using Retrain.Graphs;

namespace Retrain.Benchmarks;

/// <summary>
/// The ML.NET peer (tests/Retrain.Benchmarks.MlNet), run as a child process on the same images, split and network:
/// the ONNX it loads is what retrain's importer makes of the GraphDef (NHWC input, symbolic batch), and the image list
/// says which part each image belongs to. Each <see cref="Run"/> featurises every image once and trains once.
/// </summary>
internal sealed class MlNetPeer
{
    private readonly string dll;
    private readonly string[] args;

    private MlNetPeer(string dll, string[] args)
    {
        this.dll = dll;
        this.args = args;
    }

    /// <summary>Writes the ONNX model and the image list the peer reads into <paramref name="workDir"/>.</summary>
    public static MlNetPeer Prepare(string dll, LoadedModel model, ImageLists lists, string workDir)
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
        return new MlNetPeer(dll,
        [
            "--model", onnx, "--input", imported.InputName, "--output", imported.OutputName,
            "--height", d.InputHeight.ToString(c), "--width", d.InputWidth.ToString(c),
            "--mean", d.InputMean.ToString("R", c), "--std", d.InputStd.ToString("R", c),
            "--images", list, "--runs", "1",
        ]);
    }

    /// <summary>One featurisation pass and one training; returns the key=value pairs of the peer's report line.</summary>
    public IReadOnlyDictionary<string, string> Run()
    {
        var (_, stdout, _) = ChildProcess.Run(dll, args);
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("mlnet ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("the ML.NET peer printed no report line: " + stdout);
        return line.Trim().Split(' ').Skip(1).Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }
}
