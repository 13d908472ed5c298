using Retrain.Cli;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests;

/// <summary>Issue 19, part 1: the flags that choose a head beyond retrain.py's, as the command binds them.</summary>
public class HeadFlagsTests
{
    private static readonly string[] Base = ["--image_dir", "i"];

    private static RetrainOptions Bind(params string[] args) => RetrainCommand.Bind(RetrainCommand.Create().Parse([.. Base, .. args]));

    [Theory]
    [InlineData("sgd", OptimizerKind.Sgd)]
    [InlineData("momentum", OptimizerKind.Momentum)]
    [InlineData("adam", OptimizerKind.Adam)]
    [InlineData("lbfgs", OptimizerKind.Lbfgs)]
    public void Optimizer_BindsEachName(string name, OptimizerKind expected) =>
        Assert.Equal(expected, Bind("--optimizer", name).Optimizer);

    [Fact]
    public void Optimizer_DefaultsToRetrainPysGradientDescent() => Assert.Equal(OptimizerKind.Sgd, Bind().Optimizer);

    [Fact]
    public void Optimizer_AnUnknownName_IsAParseErrorListingTheChoices()
    {
        var result = RetrainCommand.Create().Parse([.. Base, "--optimizer", "rmsprop"]);

        var error = Assert.Single(result.Errors);
        Assert.Contains("'rmsprop'", error.Message, StringComparison.Ordinal);
        Assert.Contains("adam", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelSmoothing_BindsAndDefaultsToNone()
    {
        Assert.Equal(0.1f, Bind("--label_smoothing", "0.1").LabelSmoothing);
        Assert.Equal(0f, Bind().LabelSmoothing);
    }

    [Fact]
    public void EarlyStoppingPatience_BindsAndDefaultsToOff()
    {
        Assert.Equal(3, Bind("--early_stopping_patience", "3").EarlyStoppingPatience);
        Assert.Equal(0, Bind().EarlyStoppingPatience);
    }

    [Fact]
    public void L2Regularization_BindsAndIsUnsetByDefault_SoLbfgsCanPickIt()
    {
        Assert.Equal(1e-4f, Bind("--l2_regularization", "1e-4").L2Regularization);
        Assert.Null(Bind().L2Regularization);
    }

    [Fact]
    public void Dropout_BindsAndDefaultsToNone()
    {
        Assert.Equal(0.2f, Bind("--dropout", "0.2").Dropout);
        Assert.Equal(0f, Bind().Dropout);
    }

    [Fact]
    public void ClassWeights_BindsBalancedAndDefaultsToNone()
    {
        Assert.Equal(ClassWeighting.Balanced, Bind("--class_weights", "balanced").ClassWeights);
        Assert.Equal(ClassWeighting.None, Bind().ClassWeights);
        Assert.Single(RetrainCommand.Create().Parse([.. Base, "--class_weights", "inverse"]).Errors);
    }
}
