using Retrain.Backbones;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// The shared MobileNet with its weights moved into a tensor bundle (a SavedModel with variables, as TensorFlow
/// exports one before freezing) opens as a backbone and gives the frozen graph's bottlenecks bit for bit.
/// </summary>
public class SavedModelBackboneTests
{
    private const string MobileNet = "models/mobilenet_v1_0.25_128/frozen_graph.pb";
    private const string Bottleneck = "MobilenetV1/Predictions/Reshape";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MobileNetWithVariables_GivesTheFrozenGraphsBottlenecks(bool resourceVariables)
    {
        using var dir = new TempFolder();
        var pb = SharedData.Path(MobileNet);
        var folder = Path.Combine(dir.Path, "mobilenet");
        var variables = VariableSavedModel.Write(GraphDefFile.Load(pb), folder, "input", Bottleneck, resourceVariables);
        Assert.True(variables.Count > 50, $"only {variables.Count} variables");

        using var frozen = LoadedModel.OpenBackbone(pb, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));
        using var saved = LoadedModel.OpenBackbone(folder, new ModelOverrides(), new InferenceSettings(IntraOpThreads: 1));

        Assert.Equal(frozen.Description with { Path = folder }, saved.Description);
        Assert.DoesNotContain(saved.Graph!.Node, n => n.Op is "VariableV2" or "VarHandleOp" or "ReadVariableOp");
        var input = Enumerable.Range(0, 2 * 128 * 128 * 3).Select(i => (float)Math.Sin(i * 0.013)).ToArray();
        var a = new float[2 * 1001];
        var b = new float[2 * 1001];
        frozen.Runner.Run(input, 2, a);
        saved.Runner.Run(input, 2, b);
        Assert.Equal(a, b);
    }
}
