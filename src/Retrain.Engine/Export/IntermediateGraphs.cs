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
public sealed class IntermediateGraphs(
    GraphDef backbone,
    ModelDescription model,
    string finalTensorName,
    string folder,
    int frequency,
    ILogger log) : ITrainingObserver
{
    public static string FileName(int step) => string.Create(CultureInfo.InvariantCulture, $"intermediate_{step}.pb");

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
