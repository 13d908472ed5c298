using Retrain.Backbones;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Training;

namespace Retrain.Benchmarks;

/// <summary>
/// `label-image` as a user runs it: a fresh `dotnet label-image.dll` process on the graph `retrain` would write (the
/// backbone plus the layer just trained), timed from process start to exit. One image gives the latency a user sees;
/// the per-image figure is the extra time for each further image given to the same process.
/// </summary>
internal static class LabelImageBench
{
    public static (double OneImageSeconds, double PerImageSeconds) Run(
        string dll, LoadedModel model, FinalLayer layer, IReadOnlyList<string> labels, IReadOnlyList<string> images, int many, int runs, string workDir, string[] deviceArguments)
    {
        var graph = Path.Combine(workDir, "output_graph.pb");
        var labelFile = Path.Combine(workDir, "output_labels.txt");
        GraphDefFile.Save(RetrainedGraphWriter.Build(model.Graph!, model.Description, layer, "final_result"), graph);
        File.WriteAllText(labelFile, string.Concat(labels.Select(l => l + "\n")));

        many = Math.Min(many, images.Count);
        double Time(int count) => ChildProcess.Run(
            dll,
            ["--graph", graph, "--labels", labelFile, .. images.Take(count).SelectMany(i => new[] { "--image", i }), .. deviceArguments]).Seconds;

        Time(1); // warm the disk cache and the runtime's own files
        var one = Stats.MedianOf(runs, () => Time(1));
        var all = Stats.MedianOf(runs, () => Time(many));
        return (one, (all - one) / (many - 1));
    }
}
