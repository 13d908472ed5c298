using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Inference;

public class ModelRunnerTests
{
    [Fact]
    public void Create_WithCudaOnTheCpuOnlyBuild_IsDeviceUnavailableSuggestingCpu()
    {
        var imported = Doubler();

        var error = Assert.Throws<RetrainException>(() => ModelRunner.Create(imported, new InferenceSettings(ExecutionDevice.Cuda())));

        Assert.Equal(ExitCode.DeviceUnavailable, error.Code);
        Assert.Contains("no CUDA support", error.Message);
        Assert.Contains("--device cpu", error.Message);
    }

    [Fact]
    public void Create_FromBytesThatAreNotOnnx_IsBadModel()
    {
        var error = Assert.Throws<RetrainException>(() => ModelRunner.Create([1, 2, 3, 4, 5], new InferenceSettings()));
        Assert.Equal(ExitCode.BadModel, error.Code);
    }

    [Fact]
    public void Run_AlternatingBatchSizes_ReusesBuffersAndGivesTheSameResults()
    {
        using var runner = ModelRunner.Create(Doubler(), new InferenceSettings(IntraOpThreads: 1));
        Assert.Equal("x", runner.InputName);
        Assert.Equal("out", runner.OutputName);
        Assert.Equal([3], runner.InputShapePerItem);
        Assert.Equal(3, runner.OutputSizePerItem);

        foreach (var batch in new[] { 2, 3, 2, 1, 3, 5 })
        {
            var input = Enumerable.Range(0, batch * 3).Select(static i => (float)i).ToArray();
            var output = new float[(batch * 3) + 2]; // a larger output span is fine
            runner.Run(input, batch, output);
            Assert.Equal(input.Select(static v => 2 * v), output.Take(batch * 3));
            Assert.Equal(0f, output[^1]);
        }
    }

    [Fact]
    public void RunInPlace_OnTheRunnersOwnInput_GivesWhatRunGives()
    {
        using var runner = ModelRunner.Create(Doubler(), new InferenceSettings(IntraOpThreads: 1) { AllowSpinning = false });
        foreach (var batch in new[] { 4, 1, 4 })
        {
            var values = Enumerable.Range(0, batch * 3).Select(static i => i - 2.5f).ToArray();
            var input = runner.InputFor(batch);
            Assert.Equal(batch * 3, input.Length);
            values.CopyTo(input);

            var output = runner.RunInPlace(batch).ToArray();

            var expected = new float[batch * 3];
            runner.Run(values, batch, expected);
            Assert.Equal(expected, output);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => runner.InputFor(0));
    }

    [Fact]
    public void Run_WrongSizes_AreArgumentErrors()
    {
        using var runner = ModelRunner.Create(Doubler(), new InferenceSettings());
        Assert.Throws<ArgumentException>(() => runner.Run(new float[5], 2, new float[6]));
        Assert.Throws<ArgumentException>(() => runner.Run(new float[6], 2, new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run([], 0, new float[3]));
    }

    [Fact]
    public void Run_FixedBatchModel_AcceptsOnlyOneItem()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 4);
        g.IntConst("shape", [2, 2], 2);
        g.Op("Reshape", "out", ["x", "shape"]);
        using var runner = ModelRunner.Create(GraphImporter.Import(g.Graph, "x", "out"), new InferenceSettings());

        Assert.Equal(1, runner.MaxBatchSize);
        Assert.Equal(4, runner.OutputSizePerItem);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(new float[8], 2, new float[8]));
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndRunAfterwardsThrows()
    {
        var runner = ModelRunner.Create(Doubler(), new InferenceSettings());
        runner.Run(new float[3], 1, new float[3]);
        runner.Dispose();
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.Run(new float[3], 1, new float[3]));
    }

    [Fact]
    public void Create_NegativeThreadCount_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelRunner.Create(Doubler(), new InferenceSettings(IntraOpThreads: -1)));

    [Fact]
    public void Create_ModelWithTwoOutputs_NamesTheFileAndTheOutputs()
    {
        var b = new Retrain.Graphs.Import.OnnxGraphBuilder();
        b.Reserve("x");
        b.AddInput("x", 1, [-1, 3]);
        var two = b.AddFloatInitializer("two", [2f], [1]);
        var doubled = b.Add("Mul", "features", ["x", two]);
        var shifted = b.Add("Add", "logits", ["x", two]);
        b.AddOutput(doubled, 1, [-1, 3]);
        b.AddOutput(shifted, 1, [-1, 3]);
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(b.Build("two outputs"));

        var error = Assert.Throws<RetrainException>(() => ModelRunner.Create(bytes, new InferenceSettings(IntraOpThreads: 1), "/models/two.onnx"));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("The ONNX model '/models/two.onnx' cannot be run by retrain or label-image", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 output(s) (features, logits)", error.Message, StringComparison.Ordinal);
    }

    private static ImportedGraph Doubler() => DoublerGraph.Import();
}
