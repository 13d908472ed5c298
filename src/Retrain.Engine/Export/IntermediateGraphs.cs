using System.Globalization;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Training;
using Serilog;

namespace Retrain.Export;

/// <summary>
/// --intermediate_store_frequency: retrain.py's <c>main</c> saves a complete graph (backbone + the layer as trained so
/// far, exactly what output_graph.pb would hold at that step) as <c>intermediate_&lt;step&gt;.pb</c> whenever
/// <c>i % intermediate_frequency == 0 and i > 0</c>, so a long run can be sampled or rolled back. Each file is written
/// atomically, like output_graph.pb.
/// </summary>
internal sealed class IntermediateGraphs(
    GraphDef backbone,
    ModelDescription model,
    string finalTensorName,
    string folder,
    int frequency,
    ILogger log) : ITrainingObserver
{
    private const string Prefix = "intermediate_";
    private const string Extension = ".pb";

    public static string FileName(int step) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{step}{Extension}");

    /// <summary>The step (0-based, as OnStep counts) whose graph a run of <paramref name="steps"/> steps saves as <paramref name="fileName"/>, if any.</summary>
    public static int? StepSavedAs(string fileName, int frequency, int steps) =>
        frequency > 0 &&
        fileName.StartsWith(Prefix, StringComparison.Ordinal) &&
        fileName.EndsWith(Extension, StringComparison.Ordinal) &&
        int.TryParse(fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - Extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step) &&
        step > 0 && step < steps && step % frequency == 0 &&
        fileName == FileName(step)
            ? step
            : null;

    public void OnStep(in StepReport report)
    {
        if (frequency <= 0 || report.Step == 0 || report.Step % frequency != 0)
        {
            return;
        }

        var path = Path.Combine(folder, FileName(report.Step));
        log.Information("Save intermediate result to : {Path}", path);
        GraphDefFile.Save(RetrainedGraphWriter.Build(backbone, model, report.Layer, finalTensorName), path);
    }
}
