using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>
/// Issue 17: each training setting has one rule, listed by <see cref="TrainingSettings"/>, which both the trainer and
/// the commands check, each in its own wording.
/// </summary>
public class TrainingSettingsRulesTests
{
    [Theory]
    [InlineData(0, 100, true)]
    [InlineData(-1, 100, false)]
    [InlineData(1, -1, true)]
    [InlineData(1, -7, true)]
    [InlineData(1, 0, false)]
    [InlineData(1, TrainingSettings.MaxBatch + 1, false)]
    public void TheRules_TakeNoStepsAndAWholePartBatch(int steps, int trainBatch, bool holds)
    {
        var rules = new TrainingSettings(Steps: steps, TrainBatchSize: trainBatch).Rules();

        Assert.Equal(holds, rules.All(r => r.Holds));
    }

    [Theory]
    [InlineData(-3, 100, "Invalid value for --how_many_training_steps: it must not be negative.")]
    [InlineData(10, 0, "Invalid value for --train_batch_size: it must be -1 (whole set) or from 1 to 100,000.")]
    public void TheOptions_WordTheCommandsRulesAsBefore(int steps, int trainBatch, string message)
    {
        var options = new RetrainOptions { ImageDir = "images", HowManyTrainingSteps = steps, TrainBatchSize = trainBatch };

        var error = Assert.Throws<RetrainException>(options.Validate);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal(message, error.Message);
    }

    /// <summary>retrain.py's <c>get_random_cached_bottlenecks</c> takes any negative batch size for the whole part.</summary>
    [Theory]
    [InlineData(-1, -1, -1)]
    [InlineData(-5, -2, -100)]
    public void NegativeBatchSizes_AreTheWholePart_AsInRetrainPy(int train, int validation, int test)
    {
        var options = new RetrainOptions { ImageDir = "images", TrainBatchSize = train, ValidationBatchSize = validation, TestBatchSize = test };

        options.Validate();
    }

    /// <summary>retrain.py's <c>range(0)</c>: no step, and the layer as initialised is evaluated and written.</summary>
    [Fact]
    public void ARunOfNoSteps_WritesTheLayerAsInitialised()
    {
        using var tiny = new TinyRetrain(perClass: 6);
        var options = tiny.Options() with { HowManyTrainingSteps = 0 };
        var log = new LogCapture();

        var result = RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(options.OutputGraph));
        Assert.True(double.IsNaN(result.Training.LastTrainAccuracy));
        Assert.DoesNotContain(log.Events, e => e.RenderMessage().StartsWith("Step ", StringComparison.Ordinal));
        Assert.Contains(log.Events, e => e.RenderMessage().StartsWith("Final test accuracy = ", StringComparison.Ordinal));
    }

    /// <summary>With no step, lbfgs has nothing to pick an L2 strength for, and no photo needs distorting.</summary>
    [Theory]
    [InlineData(OptimizerKind.Lbfgs, false, "Picked --l2_regularization")]
    [InlineData(OptimizerKind.Sgd, true, "Distorting training images")]
    public void ARunOfNoSteps_DoesNoWorkForSteps(OptimizerKind optimizer, bool flip, string notLogged)
    {
        using var tiny = new TinyRetrain(perClass: 6);
        var options = tiny.Options() with { HowManyTrainingSteps = 0, Optimizer = optimizer, FlipLeftRight = flip };
        var log = new LogCapture();

        RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(options.OutputGraph));
        Assert.DoesNotContain(log.Events, e => e.RenderMessage().Contains(notLogged, StringComparison.Ordinal));
    }

    [Fact]
    public void NegativeBatchSizes_AreOneSetting()
    {
        var settings = new RetrainOptions { ImageDir = "images", TrainBatchSize = -5, ValidationBatchSize = -2, TestBatchSize = -9 }.ToTrainingSettings();

        Assert.Equal((-1, -1, -1), (settings.TrainBatchSize, settings.ValidationBatchSize, settings.TestBatchSize));
    }

    [Fact]
    public void ARunWithWholeBatches_Trains()
    {
        using var tiny = new TinyRetrain(perClass: 6);
        var options = tiny.Options() with { TrainBatchSize = -1, ValidationBatchSize = -3, TestBatchSize = -1 };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(options.OutputGraph));
        Assert.True(double.IsFinite(result.Training.LastTrainAccuracy));
        Assert.Equal(result.TestingImages, result.Training.Test.Count);
    }

    [Fact]
    public void AWholeTrainingBatch_WithDistortions_IsRefusedSayingWhy()
    {
        var options = new RetrainOptions { ImageDir = "images", TrainBatchSize = -1, FlipLeftRight = true };

        var error = Assert.Throws<RetrainException>(options.Validate);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal(
            "Invalid value for --train_batch_size: it must be a number of photos with distortions: each step distorts that many (retrain.py's distorted batches of -1 were empty).",
            error.Message);
    }

    [Fact]
    public void DropoutWithLbfgs_IsRefusedByTheTrainerToo()
    {
        var settings = new TrainingSettings { Dropout = 0.5f, Optimizer = OptimizerKind.Lbfgs };

        var error = Assert.Throws<RetrainException>(settings.Validate);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal(
            "--dropout must be 0 with --optimizer lbfgs: a full-batch method needs a loss that does not change between evaluations.",
            error.Message);
    }

    [Fact]
    public void AValidationBatchPastTheBound_IsRefusedByTheTrainerToo()
    {
        var error = Assert.Throws<RetrainException>(new TrainingSettings(ValidationBatchSize: TrainingSettings.MaxBatch + 1).Validate);

        Assert.Equal("--validation_batch_size must be -1 (whole set) or from 1 to 100,000.", error.Message);
    }
}
