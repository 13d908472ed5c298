using Retrain.Errors;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>
/// Issue 17: each training setting has one rule, listed by <see cref="TrainingSettings"/>, which both the trainer and
/// the commands check, each in its own wording.
/// </summary>
public class TrainingSettingsRulesTests
{
    [Fact]
    public void TheCommandAndTheTrainer_CheckTheSameRules_SaveTheTwoTheCommandNarrows()
    {
        var settings = new TrainingSettings();

        var trainer = settings.Rules(ofTheCommand: false).Select(r => (r.Flag, r.Rule)).ToList();
        var command = settings.Rules(ofTheCommand: true).Select(r => (r.Flag, r.Rule)).ToList();

        Assert.Equal(trainer.Select(r => r.Flag), command.Select(r => r.Flag));
        var differing = trainer.Zip(command).Where(p => p.First != p.Second).Select(p => p.First.Flag);
        Assert.Equal([Flags.HowManyTrainingSteps, Flags.TrainBatchSize], differing);
    }

    [Theory]
    [InlineData(0, 100, true)]
    [InlineData(-1, 100, false)]
    [InlineData(1, -1, true)]
    [InlineData(1, 0, false)]
    [InlineData(1, TrainingSettings.MaxBatch + 1, false)]
    public void TheTrainersRules_TakeNoStepsAndAWholePartBatch(int steps, int trainBatch, bool holds)
    {
        var rules = new TrainingSettings(Steps: steps, TrainBatchSize: trainBatch).Rules(ofTheCommand: false);

        Assert.Equal(holds, rules.All(r => r.Holds));
    }

    [Theory]
    [InlineData(0, 100, Flags.HowManyTrainingSteps, "must be at least 1")]
    [InlineData(1, -1, Flags.TrainBatchSize, "must be from 1 to 100,000")]
    public void TheCommandsRules_KeepTheirNarrowerRanges(int steps, int trainBatch, string flag, string rule)
    {
        var broken = new TrainingSettings(Steps: steps, TrainBatchSize: trainBatch).Rules(ofTheCommand: true).Where(r => !r.Holds);

        Assert.Equal([new SettingRule(flag, false, rule)], broken);
    }

    [Theory]
    [InlineData(0, 100, "Invalid value for --how_many_training_steps: it must be at least 1.")]
    [InlineData(-3, 100, "Invalid value for --how_many_training_steps: it must be at least 1.")]
    [InlineData(10, -1, "Invalid value for --train_batch_size: it must be from 1 to 100,000.")]
    public void TheOptions_WordTheCommandsRulesAsBefore(int steps, int trainBatch, string message)
    {
        var options = new RetrainOptions { ImageDir = "images", HowManyTrainingSteps = steps, TrainBatchSize = trainBatch };

        var error = Assert.Throws<RetrainException>(options.Validate);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal(message, error.Message);
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
