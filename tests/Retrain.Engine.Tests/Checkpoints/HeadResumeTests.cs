using Retrain.Checkpoints;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Checkpoints;

/// <summary>
/// Issue 19: every head resumes from --checkpoint_path with its optimizer's state, so N steps and then M more end
/// bit-identical to N + M steps run straight; a resume with other head flags is refused, naming the flag.
/// </summary>
public class HeadResumeTests
{
    public static TheoryData<string> Heads => ["sgd", "momentum", "adam", "lbfgs", "lbfgs-picked", "dropout-balanced-smoothing"];

    [Theory]
    [MemberData(nameof(Heads))]
    public void StepsThenResumedSteps_EndBitIdenticalToOneStraightRun(string head)
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;
        var (first, total) = head.StartsWith("lbfgs", StringComparison.Ordinal) ? (3, 6) : (15, 30);
        var straight = RetrainEngine.Run(Head(tiny.Options("straight"), head) with { HowManyTrainingSteps = total }, new LogCapture().Logger, ct);

        var checkpoint = tiny.PathOf("resumed", "model.ckpt");
        var options = Head(tiny.Options("resumed"), head) with { CheckpointPath = checkpoint };
        RetrainEngine.Run(options with { HowManyTrainingSteps = first }, new LogCapture().Logger, ct);
        Assert.Equal(first, CheckpointFile.Read(checkpoint)!.StepsDone);
        var log = new LogCapture();
        var resumed = RetrainEngine.Run(options with { HowManyTrainingSteps = total }, log.Logger, ct);

        Assert.Contains(log.Events, e => e.RenderMessage().StartsWith("Resuming from checkpoint", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Events, e => e.RenderMessage().StartsWith("Picking --l2_regularization", StringComparison.Ordinal));
        Assert.Equal(straight.Training.Layer.Weights, resumed.Training.Layer.Weights);
        Assert.Equal(straight.Training.Layer.Biases, resumed.Training.Layer.Biases);
        Assert.Equal(straight.Training.Test.Probabilities, resumed.Training.Test.Probabilities);
    }

    [Theory]
    [MemberData(nameof(Heads))]
    public void TwoRunsUnderOneSeed_AreBitIdentical(string head)
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;

        var first = RetrainEngine.Run(Head(tiny.Options("first"), head) with { RandomSeed = 9 }, new LogCapture().Logger, ct);
        var second = RetrainEngine.Run(Head(tiny.Options("second"), head) with { RandomSeed = 9 }, new LogCapture().Logger, ct);

        Assert.Equal(first.Training.Layer.Weights, second.Training.Layer.Weights);
        Assert.Equal(first.Training.Test.Probabilities, second.Training.Test.Probabilities);
        Assert.Equal(File.ReadAllBytes(first.OutputGraph), File.ReadAllBytes(second.OutputGraph));
    }

    [Theory]
    [InlineData("--optimizer", "adam")]
    [InlineData("--l2_regularization", "0.001")]
    [InlineData("--label_smoothing", "0.1")]
    [InlineData("--dropout", "0.2")]
    [InlineData("--class_weights", "balanced")]
    public void ResumeWithAnotherHeadFlag_IsRefusedNamingIt(string flag, string value)
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        var options = tiny.Options() with { HowManyTrainingSteps = 5, CheckpointPath = checkpoint };
        RetrainEngine.Run(options, new LogCapture().Logger, ct);
        var before = File.ReadAllBytes(checkpoint);
        var other = flag switch
        {
            "--optimizer" => options with { Optimizer = OptimizerKind.Adam },
            "--l2_regularization" => options with { L2Regularization = 0.001f },
            "--label_smoothing" => options with { LabelSmoothing = 0.1f },
            "--dropout" => options with { Dropout = 0.2f },
            _ => options with { ClassWeights = ClassWeighting.Balanced },
        };

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(other with { HowManyTrainingSteps = 10 }, new LogCapture().Logger, ct));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains($"was trained with {flag} ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"this run has {flag} {value}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void CheckpointOfTheFormatWithoutTheHead_IsRefusedByName()
    {
        using var tiny = new TinyRetrain();
        var ct = TestContext.Current.CancellationToken;
        var checkpoint = tiny.PathOf("run", "model.ckpt");
        var options = tiny.Options() with { HowManyTrainingSteps = 5, CheckpointPath = checkpoint };
        RetrainEngine.Run(options, new LogCapture().Logger, ct);
        var old = CheckpointFile.Read(checkpoint)!;
        old.Format = CheckpointFile.HeadlessFormat;
        File.WriteAllBytes(checkpoint, Google.Protobuf.MessageExtensions.ToByteArray(old));

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options with { HowManyTrainingSteps = 10 }, new LogCapture().Logger, ct));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("did not save the optimizer's state", error.Message, StringComparison.Ordinal);
    }

    private static RetrainOptions Head(RetrainOptions options, string head) => head switch
    {
        "sgd" => options,
        "momentum" => options with { Optimizer = OptimizerKind.Momentum },
        "adam" => options with { Optimizer = OptimizerKind.Adam, LearningRate = 1e-3f },
        "lbfgs" => options with { Optimizer = OptimizerKind.Lbfgs, L2Regularization = 1e-3f },
        "lbfgs-picked" => options with { Optimizer = OptimizerKind.Lbfgs },
        _ => options with { Dropout = 0.3f, ClassWeights = ClassWeighting.Balanced, LabelSmoothing = 0.1f, Optimizer = OptimizerKind.Momentum },
    };
}
