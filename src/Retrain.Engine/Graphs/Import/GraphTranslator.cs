using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs.Import.Folding;
using Retrain.Images;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>
/// One translation attempt of the input -> output path of a GraphDef into ONNX, with the batch dimension either
/// symbolic or fixed. Nodes that do not depend on the input are folded to constants in C#.
/// </summary>
internal sealed class GraphTranslator
{
    private readonly IReadOnlyDictionary<string, NodeDef> _nodes;
    private readonly string _source;

    public GraphTranslator(IReadOnlyDictionary<string, NodeDef> nodes, string source)
    {
        _nodes = nodes;
        _source = source;
    }

    /// <param name="inputShape">The input's NHWC shape; dimension 0 is ignored when <paramref name="symbolicBatch"/>.</param>
    public ImportedGraph Translate(string input, string output, long[] inputShape, bool symbolicBatch)
    {
        var path = GraphPath.Find(_nodes, input, output, _source);
        if (!path.DependsOnInput.Contains(output))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"Output node '{output}' does not depend on input node '{input}' in {_source}. " +
                "Check the node names: the input must be upstream of the output.");
        }

        var onnx = new OnnxGraphBuilder();
        onnx.Reserve(input);
        if (output != input)
        {
            onnx.Reserve(output);
        }

        var ctx = new ImportContext(onnx, symbolicBatch, _source, input, output);
        var shape = symbolicBatch ? [TfValue.BatchDim, .. inputShape[1..]] : inputShape;
        var values = new Dictionary<string, TfValue>(StringComparer.Ordinal)
        {
            [input] = new DynamicValue(input, shape, DataType.DtFloat, Layout.AsTensorFlow),
        };

        foreach (var node in path.Order)
        {
            if (node.Name != input)
            {
                values[node.Name] = TranslateNode(ctx, node, values);
            }
        }

        var result = ctx.InTensorFlowLayout(ctx.AsDynamic(values[output], output));
        var perImage = result.Shape.Length > 0 && result.Shape[0] == TfValue.BatchDim ? result.Shape[1..] : result.Shape;
        if (!ImageInputLimit.Fits(perImage))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"Output node '{output}' in {_source} has shape [{string.Join(",", result.Shape)}], more per image than retrain takes back " +
                $"({ImageInputLimit.Describe}). Choose another output node ({Flags.BottleneckLayer} for retrain, {Flags.OutputLayer} for label-image) or re-export the graph.");
        }

        var outputName = output == input ? output + "/output" : output;
        onnx.AddWithOutput("Identity", outputName, [result.OnnxName]);
        onnx.AddInput(input, ImportContext.OnnxElementType(DataType.DtFloat), shape);
        onnx.AddOutput(outputName, ImportContext.OnnxElementType(result.Type), result.Shape);
        var model = onnx.Build($"Imported by retrain from {_source}: '{input}' -> '{output}'.");
        return new ImportedGraph(model.ToByteArray(), input, outputName, shape, result.Shape, symbolicBatch);
    }

    private TfValue TranslateNode(ImportContext ctx, NodeDef node, Dictionary<string, TfValue> values)
    {
        if (node.Op == "Const")
        {
            return Constant(ctx, node);
        }

        if (node.Op is "Placeholder" or "PlaceholderV2")
        {
            throw new RetrainException(ExitCode.BadModel,
                $"Node '{node.Name}' in {_source} is a Placeholder that must be fed, but only '{ctx.InputNode}' is fed; " +
                $"it is needed to compute '{ctx.OutputNode}'. Choose an input node that all of the output depends on.");
        }

        var inputs = new List<TfValue>();
        foreach (var name in node.Input)
        {
            if (NodeNames.IsControlInput(name))
            {
                continue;
            }

            var (source, index) = NodeNames.Parse(name);
            if (index != 0)
            {
                throw ctx.Fail(node, $"it reads output {index} of '{source}'; only first outputs are supported");
            }

            inputs.Add(values[source]);
        }

        if (inputs.Count > 0 && inputs.All(static v => v is ConstValue))
        {
            var folded = ConstantFolder.TryFold(ctx, node, inputs.Select(static v => ((ConstValue)v).Tensor).ToList());
            if (folded is not null)
            {
                return new ConstValue(folded);
            }
        }

        if (!OpTranslators.TryGet(node.Op, out var translate, out var minInputs))
        {
            throw new RetrainException(ExitCode.BadModel,
                $"Unsupported TensorFlow op '{node.Op}' at node '{node.Name}' (needed to compute '{ctx.OutputNode}' from " +
                $"'{ctx.InputNode}') in {_source}. Supported ops: {string.Join(", ", OpTranslators.SupportedOps)}. " +
                "Choose input/output nodes that avoid it, or re-export the graph with supported ops.");
        }

        if (inputs.Count < minInputs)
        {
            throw ctx.Fail(node, $"it has {inputs.Count} data inputs, expected at least {minInputs}");
        }

        return translate(ctx, node, inputs);
    }

    private static ConstValue Constant(ImportContext ctx, NodeDef node)
    {
        var proto = node.Tensor("value") ?? throw ctx.Fail(node, "the Const has no value");
        try
        {
            return new ConstValue(ConstTensor.FromProto(proto));
        }
        catch (FormatException e)
        {
            throw ctx.Fail(node, $"its value cannot be read ({e.Message})");
        }
    }
}
