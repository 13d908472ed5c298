using Retrain.Graphs;
using Retrain.IO;
using Retrain.Protos.Onnx;
using Retrain.Protos.TensorFlow;

namespace Retrain.Export;

/// <summary>
/// --output_onnx: the whole classifier (backbone from its input to the bottleneck, then the trained layer and the
/// softmax) as one ONNX model, for runtimes without TensorFlow. It is the output graph translated by the same
/// <see cref="GraphImporter"/> that runs it in-process, so its scores are the ones label-image gives for
/// output_graph.pb; metadata_props describe input, preprocessing, labels and output (see <see cref="OnnxMetadata"/>).
/// Staged in an <see cref="OutputTransaction"/> with the outputs it belongs to.
/// </summary>
internal static class OnnxExporter
{
    public static void Write(OutputTransaction outputs, GraphDef outputGraph, ModelDescription model, string finalTensorName, IReadOnlyList<string> labels, string path)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(outputGraph);
        ArgumentNullException.ThrowIfNull(model);
        var inputNode = outputGraph.Node.FirstOrDefault(n => n.Name == model.InputNode);

        // As LoadedModel does for backbones: an input in the middle of a graph (the 2015 Inception's `Mul`) has no shape.
        long[]? inputShape = inputNode is { Op: "Placeholder" or "PlaceholderWithDefault" }
            ? null
            : [-1, model.InputHeight, model.InputWidth, 3];
        var imported = GraphImporter.Import(outputGraph, model.InputNode, finalTensorName, inputShape, "the retrained graph");
        var onnx = ModelProto.Parser.ParseFrom(imported.OnnxModel);
        OnnxMetadata.Describe(onnx, model, imported, labels);
        outputs.Write(path, onnx);
    }
}
