using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Export;

/// <summary>
/// A SavedModel with variables as the backbone: output_graph.pb and the SavedModel export are frozen GraphDefs, and
/// they classify as the run on the same backbone given frozen does.
/// </summary>
public class SavedModelBackboneExportTests
{
    [Fact]
    public void Run_OnASavedModelWithVariables_WritesFrozenGraphsThatScoreAsTheFrozenBackbones()
    {
        using var tiny = new TinyRetrain();
        var folder = Path.Combine(tiny.Root, "tiny_saved_model");
        VariableSavedModel.Write(TinyBackbone.Graph(), folder, TinyBackbone.InputNode, TinyBackbone.BottleneckNode, resourceVariables: true);
        var fromFrozen = tiny.Options("frozen");
        var fromVariables = tiny.Options("variables") with
        {
            TfhubModule = folder,
            Model = new ModelOverrides(),
            SavedModelDir = tiny.PathOf("variables", "saved_model"),
        };

        var frozenRun = RetrainEngine.Run(fromFrozen, new LogCapture().Logger, TestContext.Current.CancellationToken);
        RetrainEngine.Run(fromVariables, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var graph = GraphDef.Parser.ParseFrom(File.ReadAllBytes(fromVariables.OutputGraph));
        Assert.DoesNotContain(graph.Node, n => n.Op is "VarHandleOp" or "ReadVariableOp" or "VariableV2");
        Assert.Equal("Const", graph.Node.Single(n => n.Name == "conv/weights").Op);
        var exported = SavedModel.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(fromVariables.SavedModelDir!, "saved_model.pb")));
        Assert.Equal(graph, exported.MetaGraphs.Single().GraphDef);

        var expected = Label(fromFrozen.OutputGraph, fromFrozen.OutputLabels, frozenRun.TestImages);
        var actual = Label(fromVariables.OutputGraph, fromVariables.OutputLabels, frozenRun.TestImages);
        Assert.Equal(expected.Images.Select(i => i.Probabilities), actual.Images.Select(i => i.Probabilities));

        // label-image reads a classifier kept as a SavedModel with variables as it reads the frozen graph.
        var classifier = Path.Combine(tiny.Root, "classifier_saved_model");
        VariableSavedModel.Write(GraphDef.Parser.ParseFrom(File.ReadAllBytes(fromFrozen.OutputGraph)), classifier, TinyBackbone.InputNode, fromFrozen.FinalTensorName);
        var fromClassifier = Label(classifier, fromFrozen.OutputLabels, frozenRun.TestImages);
        Assert.Equal(expected.Images.Select(i => i.Probabilities), fromClassifier.Images.Select(i => i.Probabilities));
    }

    private static LabelImageResult Label(string graph, string labels, IReadOnlyList<string> images) =>
        LabelImageEngine.Run(
            new LabelImageOptions { Graph = graph, Labels = labels, Images = images },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);
}
