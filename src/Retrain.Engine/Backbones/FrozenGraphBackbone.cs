using Retrain.Graphs;
using Retrain.Errors;
using Retrain.Export;
using Retrain.IO;
using Retrain.Protos.TensorFlow;
using Retrain.Training;
using Serilog;

namespace Retrain.Backbones;

/// <summary>
/// A frozen TensorFlow GraphDef (or a SavedModel's serving graph): the retrained model is the backbone's own nodes
/// plus the new layer, so it can be written as output_graph.pb, a SavedModel, intermediate graphs and ONNX.
/// </summary>
internal sealed class FrozenGraphBackbone(LoadedModel model, GraphDef graph) : Backbone(model)
{
    public override BackboneKind Kind => BackboneKind.FrozenGraph;

    public override void CheckNames(string finalTensorName) =>
        RetrainedGraphWriter.CheckNames(graph, Description, finalTensorName);

    public override RetrainException CannotWrite(string? refusedFlag) =>
        new(ExitCode.Usage, $"A TensorFlow graph backbone cannot write {refusedFlag ?? "this output"}.");

    public override ITrainingObserver? IntermediateGraphs(string finalTensorName, string folder, int frequency, ILogger log) =>
        frequency > 0 ? new IntermediateGraphs(graph, Description, finalTensorName, folder, frequency, log) : null;

    public override void Export(FinalLayer layer, IReadOnlyList<string> labels, ExportPaths paths, ILogger log)
    {
        var d = Description;
        var retrained = RetrainedGraphWriter.Build(graph, d, layer, paths.FinalTensorName);
        using (var outputs = new OutputTransaction())
        {
            outputs.Write(paths.OutputGraph, retrained);
            WriteLabels(outputs, labels, paths.OutputLabels);
            if (paths.SavedModelDir is { } savedModel)
            {
                SavedModelWriter.Write(outputs, retrained, d, paths.FinalTensorName, labels.Count, savedModel);
            }

            if (paths.OutputOnnx is { } onnx)
            {
                OnnxExporter.Write(outputs, retrained, d, paths.FinalTensorName, labels, onnx);
            }

            outputs.Commit();
        }

        log.Information("Save final result to : {OutputGraph}", paths.OutputGraph); // retrain.py's words, ending at the path as its line did
        log.Information("Wrote the labels to {OutputLabels}", paths.OutputLabels);
        if (paths.SavedModelDir is not null)
        {
            log.Information("Wrote SavedModel {SavedModelDir}", paths.SavedModelDir);
        }

        if (paths.OutputOnnx is not null)
        {
            log.Information("Wrote {OutputOnnx}", paths.OutputOnnx);
        }
    }
}
