using Retrain.Export;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>
/// Issue 19: every head option runs the whole pipeline and exports the same MatMul + Add + Softmax nodes as
/// retrain.py's head, holding the layer the run trained.
/// </summary>
public class HeadsEndToEndTests
{
    public static TheoryData<string> Heads => ["lbfgs", "lbfgs-l2", "dropout", "balanced", "adam-smoothing"];

    [Theory]
    [MemberData(nameof(Heads))]
    public void Run_EachHead_WritesRetrainPysFinalNodesWithItsLayer(string head)
    {
        using var tiny = new TinyRetrain();
        var options = tiny.Options() with { HowManyTrainingSteps = 40 };
        options = head switch
        {
            "lbfgs" => options with { Optimizer = OptimizerKind.Lbfgs },
            "lbfgs-l2" => options with { Optimizer = OptimizerKind.Lbfgs, L2Regularization = 1e-3f },
            "dropout" => options with { Dropout = 0.2f },
            "balanced" => options with { ClassWeights = ClassWeighting.Balanced },
            _ => options with { Optimizer = OptimizerKind.Adam, LabelSmoothing = 0.1f, LearningRate = 1e-3f },
        };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var graph = GraphDef.Parser.ParseFrom(File.ReadAllBytes(options.OutputGraph));
        var nodes = graph.Node.ToDictionary(n => n.Name);
        Assert.Equal("MatMul", nodes[RetrainedGraphWriter.MatMul].Op);
        Assert.Equal("Add", nodes[RetrainedGraphWriter.Add].Op);
        Assert.Equal("Softmax", nodes[options.FinalTensorName].Op);
        var weights = nodes[RetrainedGraphWriter.Weights].Attr["value"].Tensor;
        var written = weights.FloatVal.Count > 0
            ? weights.FloatVal.ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(weights.TensorContent.Span).ToArray();
        Assert.Equal(result.Training.Layer.Weights, written);
        Assert.True(result.Training.Test.Accuracy > 0.8, $"test accuracy {result.Training.Test.Accuracy}");
    }
}
