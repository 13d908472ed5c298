using Retrain.Graphs;
using Retrain.Errors;
using Retrain.Export;
using Retrain.IO;
using Retrain.Training;
using Serilog;

namespace Retrain.Backbones;

/// <summary>
/// An ONNX model, run as it is. A TensorFlow GraphDef cannot hold it, so output_graph.pb, the SavedModel and
/// intermediate graphs cannot be written for it: the retrained model comes out as one ONNX file.
/// </summary>
internal sealed class OnnxBackbone(LoadedModel model) : Backbone(model)
{
    public override BackboneKind Kind => BackboneKind.Onnx;

    public override void CheckNames(string finalTensorName) => OnnxClassifierComposer.CheckNames(Model, finalTensorName);

    public override RetrainException CannotWrite(string? refusedFlag) => new(
        ExitCode.Usage,
        $"'{Description.Path}' is an ONNX model, and a TensorFlow GraphDef (output_graph.pb" +
        (refusedFlag is null ? ")" : $", and so {refusedFlag})") +
        $" cannot hold an ONNX backbone. Pass {Flags.OutputOnnx} PATH to get the retrained classifier as one ONNX file" +
        (refusedFlag is null ? "." : $", and leave out {refusedFlag}."));

    public override ITrainingObserver? IntermediateGraphs(string finalTensorName, string folder, int frequency, ILogger log) => null;

    public override void Export(FinalLayer layer, IReadOnlyList<string> labels, ExportPaths paths, ILogger log)
    {
        var onnx = paths.OutputOnnx ?? throw CannotWrite(null);
        using (var outputs = new OutputTransaction())
        {
            OnnxClassifierComposer.Write(outputs, Model, layer, paths.FinalTensorName, labels, onnx);
            WriteLabels(outputs, labels, paths.OutputLabels);
            outputs.Commit();
        }

        log.Information("Wrote {OutputOnnx} and {OutputLabels} (no output_graph.pb: the backbone is an ONNX model)", onnx, paths.OutputLabels);
    }
}
