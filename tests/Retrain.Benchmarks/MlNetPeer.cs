using System.Diagnostics;
using System.Globalization;
using Retrain.Backbones;
using Retrain.Data;
using Retrain.Graphs;

namespace Retrain.Benchmarks;

/// <summary>
/// The ML.NET peer (tests/Retrain.Benchmarks.MlNet), a child process that stays up for one model's measurements, so
/// that each run's featurisation pass is taken between retrain's measurements of the same images (see InterleavedRun).
/// The ONNX it loads is what retrain's importer makes of the GraphDef (NHWC input, symbolic batch), and the image list
/// (in <see cref="Dataset.Paths"/> order) says which part each image belongs to.
/// </summary>
internal sealed class MlNetPeer : IDisposable
{
    private readonly Process _process;

    private MlNetPeer(Process process, double loadSeconds)
    {
        this._process = process;
        LoadSeconds = loadSeconds;
    }

    /// <summary>Seconds the peer took to create its ONNX Runtime session (Fit), not part of any rate.</summary>
    public double LoadSeconds { get; }

    /// <summary>Writes the ONNX model and the image list into <paramref name="workDir"/> and starts the peer on them.</summary>
    public static MlNetPeer Start(string dll, LoadedModel model, Dataset data, string workDir)
    {
        var d = model.Description;
        var imported = GraphImporter.Import(model.Graph!, d.InputNode, d.OutputNode);
        var onnx = Path.Combine(workDir, "backbone.onnx");
        File.WriteAllBytes(onnx, imported.OnnxModel);

        var partOf = new[] { DatasetPart.Training, DatasetPart.Validation, DatasetPart.Testing }
            .SelectMany(part => data.Lists.Images(part).Select(image => (image.Path, Part: part, image.ClassIndex)))
            .ToDictionary(x => x.Path, StringComparer.Ordinal);
        var list = Path.Combine(workDir, "images.tsv");
        File.WriteAllLines(list, data.Paths.Select(path =>
        {
            var image = partOf[path];
            return $"{image.Part.ToString().ToLowerInvariant()}\t{data.Lists.Labels[image.ClassIndex]}\t{path}";
        }));

        var c = CultureInfo.InvariantCulture;
        var process = ChildProcess.StartServer(dll,
        [
            "--model", onnx, "--input", imported.InputName, "--output", imported.OutputName,
            "--height", d.InputHeight.ToString(c), "--width", d.InputWidth.ToString(c),
            "--mean", d.InputMean.ToString("R", c), "--std", d.InputStd.ToString("R", c),
            "--images", list,
        ]);
        try
        {
            var ready = Values(ReadReply(process, "ready"));
            return new MlNetPeer(process, double.Parse(ready["load_s"], c));
        }
        catch
        {
            Stop(process);
            throw;
        }
    }

    /// <summary>Featurises images [start, start + count) of the list; the peer times itself.</summary>
    public Rate Featurize(int start, int count)
    {
        var c = CultureInfo.InvariantCulture;
        _process.StandardInput.WriteLine(string.Create(c, $"featurize {start} {count}"));
        var reply = Values(ReadReply(_process, "chunk"));
        return new Rate(count / double.Parse(reply["seconds"], c), double.Parse(reply["cpu_ms"], c) / count);
    }

    /// <summary>LbfgsMaximumEntropy on the latest features; the key=value pairs of the peer's report line.</summary>
    public IReadOnlyDictionary<string, string> Train()
    {
        _process.StandardInput.WriteLine("train");
        return Values(ReadReply(_process, "mlnet"));
    }

    public void Dispose() => Stop(_process);

    private static string ReadReply(Process process, string expected)
    {
        var line = process.StandardOutput.ReadLine();
        return line is not null && line.StartsWith(expected + " ", StringComparison.Ordinal)
            ? line
            : throw new InvalidOperationException($"the ML.NET peer answered '{line}' instead of '{expected} ...' (its messages are above)");
    }

    private static Dictionary<string, string> Values(string line) =>
        line.Trim().Split(' ').Skip(1).Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

    private static void Stop(Process process)
    {
        process.StandardInput.Close(); // the peer exits at the end of its input
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
        }

        process.Dispose();
    }
}
