using Retrain.Errors;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>
/// The final layer's ONNX step graph (issue 16, part 3) on ONNX Runtime's CPU provider: one step against
/// <see cref="TrainableLayer"/> and against values worked out by hand, the trainer's resume, evaluation and divergence
/// checks through it, and which layer each device gets.
/// </summary>
public class DeviceTrainableLayerTests
{
    private const int Length = 6;
    private const int Classes = 3;
    private static readonly InferenceSettings StepGraph = new(ExecutionDevice.CpuStepGraph, IntraOpThreads: 1);

    [Fact]
    public void OneStep_OnTwoOrthogonalVectors_GivesTheHandWorkedValues()
    {
        // Zero weights: every probability is 1/2, the loss ln 2, and the arg-max the first class, right for row 0 only.
        // (P - Y) / B is [-1/4, 1/4] and [1/4, -1/4]; X is the identity, so dW is that, and db sums to zero.
        var data = new LabeledVectors(2, [1f, 0f, 0f, 1f], [0, 1], ["a/0.jpg", "b/1.jpg"]);
        var layer = new FinalLayer(2, 2, new float[4], new float[2]);
        using var head = DeviceTrainableLayer.Create(layer, StepGraph);

        var crossEntropy = head.Step(data, [0, 1], 1f, new float[4], out var correct);

        head.CopyTo(layer);
        Assert.Equal(MathF.Log(2), crossEntropy, 6);
        Assert.Equal(1, correct);
        Assert.Equal([0.25f, -0.25f, -0.25f, 0.25f], layer.Weights);
        Assert.Equal([0f, 0f], layer.Biases);
    }

    [Fact]
    public void OneStep_GivesTrainableLayersWeightsBiasesLossAndCorrectCount()
    {
        var data = SyntheticVectors.Random(Length, [0, 2, 1, 2, 0, 1, 1], seed: 3);
        int[] rows = [0, 1, 3, 3, 4, 2, 6]; // a repeated row counts twice, as in a sampled batch
        var simd = RandomLayer(seed: 4);
        var graph = RandomLayer(seed: 4);
        using var kernels = new TrainableLayer(simd);
        using var head = DeviceTrainableLayer.Create(graph, StepGraph);

        var expectedLoss = kernels.Step(data, rows, 0.5f, new float[rows.Length * Classes], out var expectedCorrect);
        var loss = head.Step(data, rows, 0.5f, new float[rows.Length * Classes], out var correct);

        kernels.CopyTo(simd);
        head.CopyTo(graph);
        Assert.Equal(expectedLoss, loss, 6);
        Assert.Equal(expectedCorrect, correct);
        Assert.InRange(correct, 1, rows.Length - 1);
        AssertClose(simd.Weights, graph.Weights, 1e-6f);
        AssertClose(simd.Biases, graph.Biases, 1e-6f);
        Assert.True(head.IsFinite);
    }

    [Fact]
    public void Forward_AfterSteps_ScoresTheWeightsTheDeviceHolds()
    {
        var data = SyntheticVectors.Random(Length, [0, 2, 1, 2, 0, 1], seed: 5);
        int[] rows = [0, 1, 2, 3, 4, 5];
        var layer = RandomLayer(seed: 6);
        using var head = DeviceTrainableLayer.Create(layer, StepGraph);
        for (var step = 0; step < 3; step++)
        {
            head.Step(data, rows, 0.3f, new float[rows.Length * Classes], out _);
        }

        var fromHead = new float[rows.Length * Classes];
        var (crossEntropySum, correct) = head.Forward(data, rows, fromHead);

        head.CopyTo(layer);
        var expected = new float[rows.Length * Classes];
        using var copied = new TrainableLayer(layer);
        Assert.Equal(copied.Forward(data, rows, expected), (crossEntropySum, correct));
        Assert.Equal(expected, fromHead);

        // A fourth step after the read-back trains on from the device's values, as a fresh layer from them would.
        using var fresh = DeviceTrainableLayer.Create(layer, StepGraph);
        var next = head.Step(data, rows, 0.3f, new float[rows.Length * Classes], out _);
        Assert.Equal(fresh.Step(data, rows, 0.3f, new float[rows.Length * Classes], out _), next);
    }

    [Fact]
    public void Step_ThatOverflowsTheWeights_IsNotFinite()
    {
        var small = SyntheticVectors.Random(Length, [0, 1, 2], seed: 7);
        var data = new LabeledVectors(Length, small.AllVectors.ToArray().Select(v => v * 1000).ToArray(), small.Labels, small.Paths);
        using var head = DeviceTrainableLayer.Create(RandomLayer(seed: 8), StepGraph);

        head.Step(data, [0, 1, 2], float.MaxValue, new float[9], out _);

        Assert.False(head.IsFinite);
    }

    [Fact]
    public void TheCpu_KeepsTheSimdKernels_TheStepGraphIsForDevicesThatRunTheFinalLayer()
    {
        var layer = RandomLayer(seed: 9);

        Assert.False(ExecutionDevice.Cpu.RunsFinalLayerOnDevice);
        Assert.True(ExecutionDevice.Cuda().RunsFinalLayerOnDevice);
        Assert.Same(ExecutionDevice.Cpu, new TrainingSettings().Inference.Device);
        using (var cpu = ITrainableLayer.Create(layer, new InferenceSettings(ExecutionDevice.Cpu), spareCore: true))
        {
            Assert.IsType<TrainableLayer>(cpu);
        }

        using (var stepGraph = ITrainableLayer.Create(layer, StepGraph, spareCore: true))
        {
            Assert.IsType<DeviceTrainableLayer>(stepGraph);
        }

        // --device cuda goes to the step graph's session, which stops with exit code 7 where no GPU can be used.
        try
        {
            using var cuda = ITrainableLayer.Create(layer, new InferenceSettings(ExecutionDevice.Cuda()), spareCore: true);
            Assert.IsType<DeviceTrainableLayer>(cuda);
        }
        catch (RetrainException e)
        {
            Assert.Equal(ExitCode.DeviceUnavailable, e.Code);
        }
    }

    [Fact]
    public void Trainer_OnTheStepGraph_ResumesToTheSameBits_AndLearns()
    {
        var (training, validation, testing) = Parts();
        string[] labels = ["a", "b", "c"];
        var settings = new TrainingSettings(Steps: 45, LearningRate: 0.05f, EvalStepInterval: 10, TrainBatchSize: 20, ValidationBatchSize: 15, Seed: 3)
        {
            Inference = StepGraph,
        };
        var whole = Trainer.Run(new TrainingJob(training, validation, testing, labels, settings), new LogCapture().Logger, TestContext.Current.CancellationToken);
        float[]? weights = null, biases = null;
        Trainer.Run(
            new TrainingJob(training, validation, testing, labels, settings with { Steps = 17 })
            {
                Observer = new StepObserver(r => (weights, biases) = ((float[])r.Layer.Weights.Clone(), (float[])r.Layer.Biases.Clone())),
            },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        var resumed = Trainer.Run(
            new TrainingJob(training, validation, testing, labels, settings) { Resume = new ResumePoint(17, weights!, biases!) }, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(whole.Layer.Weights, resumed.Layer.Weights);
        Assert.Equal(whole.Test.Probabilities, resumed.Test.Probabilities);
        Assert.True(whole.Test.Accuracy > 0.9, $"test accuracy {whole.Test.Accuracy}");
        Assert.True(whole.LastValidationAccuracy > 0.9);
    }

    [Fact]
    public void Trainer_OnTheStepGraph_StopsWhenTrainingDiverges()
    {
        var (training, validation, testing) = Parts();
        var settings = new TrainingSettings(Steps: 20, LearningRate: float.MaxValue) { Inference = StepGraph };

        var error = Assert.Throws<RetrainException>(() => Trainer.Run(
            new TrainingJob(training, validation, testing, ["a", "b", "c"], settings), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith("Training diverged at step ", error.Message, StringComparison.Ordinal);
    }

    private static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Parts() =>
        (SyntheticVectors.Clusters(Classes, 30, 16, 1.5, centreSeed: 1, sampleSeed: 2),
         SyntheticVectors.Clusters(Classes, 10, 16, 1.5, centreSeed: 1, sampleSeed: 3),
         SyntheticVectors.Clusters(Classes, 10, 16, 1.5, centreSeed: 1, sampleSeed: 4));

    private static FinalLayer RandomLayer(int seed)
    {
        var rng = new Random(seed);
        var weights = Enumerable.Range(0, Length * Classes).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var biases = Enumerable.Range(0, Classes).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return new FinalLayer(Length, Classes, weights, biases);
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"largest difference {worst}");
    }
}
