using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Graphs.SavedModels;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// The TensorFlow-written SavedModels of tensorflow/serving's testdata, frozen and run through retrain's importer and
/// ONNX Runtime: each must compute what its variables and names say (half_plus_two: 0.5*x + 2, half_plus_three:
/// 0.5*x + 3; the TF2 one through its inlined function library).
/// </summary>
public class SavedModelVariablesTests
{
    private static readonly float[] Xs = [0f, 1f, -3f, 10.5f];

    internal static string Folder(string model) => SharedData.Path($"models/savedmodel_testdata/{model}/00000123");

    [Theory]
    [InlineData("saved_model_half_plus_two_cpu", 2f)]
    [InlineData("saved_model_half_plus_three", 3f)]
    [InlineData("saved_model_half_plus_two_tf2_cpu", 2f)]
    public void ServingSignature_ComputesHalfXPlusTheConstant(string model, float plus)
    {
        var savedModel = SavedModelGraph.Load(Folder(model));
        var overrides = savedModel.WithSignature(new ModelOverrides());

        AssertComputes(savedModel, overrides.InputNode!, overrides.OutputNode!, x => (0.5f * x) + plus);
    }

    [Fact]
    public void Tf1_OtherSignatureNodes_ReadTheirOwnVariables()
    {
        // regress_x2_to_y3: y3 = a2 * x2 + c2 with a2 = 0.5 and c2 = 3.
        var savedModel = SavedModelGraph.Load(Folder("saved_model_half_plus_two_cpu"));

        AssertComputes(savedModel, "x2", "y3", x => (0.5f * x) + 3f);
    }

    [Fact]
    public void Tf2_AnotherConcreteFunction_BindsItsOwnCapturedVariables()
    {
        // regress_x2_to_y3's function captures a and c (c = 3): the bound inputs of its concrete function pick them.
        var savedModel = SavedModelGraph.Load(Folder("saved_model_half_plus_two_tf2_cpu"));
        var call = savedModel.Graph.Node.Single(n => n.Name == "StatefulPartitionedCall_2");
        Assert.Equal("Identity", call.Op);

        AssertComputes(savedModel, "regress_x2_to_y3_inputs", "StatefulPartitionedCall_2", x => (0.5f * x) + 3f);
    }

    [Fact]
    public void Tf2_InlinedGraph_HasNoCallsAndTheFrozenGraphNoVariables()
    {
        var savedModel = SavedModelGraph.Load(Folder("saved_model_half_plus_two_tf2_cpu"));
        Assert.DoesNotContain(savedModel.Graph.Node, n => n.Op is "StatefulPartitionedCall" or "PartitionedCall");
        Assert.Contains(savedModel.Graph.Node, n => n.Name == "StatefulPartitionedCall_5/StatefulPartitionedCall/Mul");

        var frozen = savedModel.Freeze("serving_default_x", "StatefulPartitionedCall_5");

        Assert.DoesNotContain(frozen.Node, n => n.Op is "VarHandleOp" or "ReadVariableOp" or "VariableV2");
        var a = frozen.Node.Single(n => n.Name == "a");
        Assert.Equal("Const", a.Op);
        Assert.Equal(0.5f, BitConverter.ToSingle(a.Attr["value"].Tensor.TensorContent.Span));
    }

    [Fact]
    public void Counter_FreezesTheSavedCountAndRefusesTheIncrement()
    {
        // get_counter reads the variable (saved as 0); incr_counter_by adds to it, which a frozen graph cannot do.
        var savedModel = SavedModelGraph.Load(Folder("saved_model_counter"));
        var bundle = TensorBundle.Open(Path.Combine(Folder("saved_model_counter"), "variables", "variables"));

        var frozen = savedModel.Freeze("delta", "counter");
        var counter = frozen.Node.Single();
        Assert.Equal("Const", counter.Op);
        Assert.Equal(bundle.DataTypeOf("counter"), counter.Attr["value"].Tensor.Dtype);
        Assert.True(counter.Attr["value"].Tensor.TensorContent.ToArray().All(b => b == 0));

        var increment = savedModel.Freeze("delta", "incr_counter_by_op/AssignAdd");
        var e = Assert.Throws<RetrainException>(() => GraphImporter.Import(increment, "delta", "incr_counter_by_op/AssignAdd", [-1], "counter"));
        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("AssignAdd", e.Message);
    }

    private static void AssertComputes(SavedModelGraph savedModel, string input, string output, Func<float, float> expected)
    {
        var frozen = savedModel.Freeze(input, output);
        foreach (var x in Xs)
        {
            var y = GraphRun.Once(frozen, input, output, [x]);
            Assert.Equal([expected(x)], y);
        }
    }
}
