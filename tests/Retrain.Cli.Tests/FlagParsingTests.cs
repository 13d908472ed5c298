using LabelImage.Cli;
using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Flag values read as retrain.py's argparse reads them: a decimal comma is refused (System.CommandLine took "0,01" for
/// 1), errors say what a value should look like, a flag given twice takes its last value, a mistyped flag gets the
/// closest name and is one error with its value, and an argument that is not valid UTF-8 is refused rather than turned
/// into another file name.
/// </summary>
public sealed class FlagParsingTests
{
    private static readonly string[] Base = ["--image_dir", "photos"];

    private static RetrainOptions Bind(params string[] args) => RetrainCommand.Bind(RetrainCommand.Create().Parse([.. Base, .. args]));

    private static (int Code, string Err) Retrain(params string[] args)
    {
        var (code, _, err) = CliRunner.Run(RetrainCommand.Create(), RetrainCommand.Execute, args);
        return (code, err);
    }

    [Theory]
    [InlineData("--learning_rate", "0,01", "Invalid value for --learning_rate: '0,01' is not a number; write decimals with a point, e.g. 0.01.")]
    [InlineData("--testing_percentage", "7,5", "Invalid value for --testing_percentage: '7,5' is not a number; write decimals with a point, e.g. 7.5.")]
    [InlineData("--dropout", "1,5", "Invalid value for --dropout: '1,5' is not a number; write decimals with a point, e.g. 1.5.")]
    [InlineData("--learning_rate", "abc", "Invalid value for --learning_rate: 'abc' is not a number (e.g. 0.01).")]
    [InlineData("--how_many_training_steps", "1e3", "Invalid value for --how_many_training_steps: '1e3' is not a whole number (e.g. 4000).")]
    [InlineData("--random_seed", "99999999999", "Invalid value for --random_seed: '99999999999' is out of range; it takes a whole number from -2147483648 to 2147483647.")]
    [InlineData("--random_seed", "-99999999999999999999", "Invalid value for --random_seed: '-99999999999999999999' is out of range; it takes a whole number from -2147483648 to 2147483647.")]
    [InlineData("--learning_rate", "1e39", "Invalid value for --learning_rate: '1e39' is out of range; it takes a number of magnitude up to 3.4E+38.")]
    public void NumbersNotWrittenAsRetrainPyReadsThem_AreUsageErrorsSayingWhatToWrite(string flag, string value, string expected)
    {
        var (code, err) = Retrain("--image_dir", "photos", flag, value);

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains($"error: {expected}", err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_AreReadInTheInvariantCulture()
    {
        var options = Bind("--learning_rate", "1e-3", "--testing_percentage", "7.5", "--test_batch_size", "-1");

        Assert.Equal((1e-3f, 7.5, -1), (options.LearningRate, options.TestingPercentage, options.TestBatchSize));
    }

    [Fact]
    public void AFlagGivenTwice_TakesItsLastValue()
    {
        // retrain.py's argparse does, and wrappers such as `retrain --how_many_training_steps 500 "$@"` rely on it.
        var options = Bind("--how_many_training_steps", "10", "--learning_rate", "0.1", "--how_many_training_steps", "20", "--learning_rate=0.2", "--image_dir", "more", "--optimizer", "adam", "--optimizer", "lbfgs");

        Assert.Equal((20, 0.2f, "more", Training.OptimizerKind.Lbfgs), (options.HowManyTrainingSteps, options.LearningRate, options.ImageDir, options.Optimizer));
    }

    [Fact]
    public void LabelImage_AFlagGivenTwice_TakesItsLastValue()
    {
        var options = LabelImageCommand.Bind(LabelImageCommand.Create().Parse(["--graph", "a.pb", "--graph", "b.pb", "--image", "x.jpg", "--top_k", "3", "--top_k", "1"]));

        Assert.Equal(("b.pb", 1), (options.Graph, options.TopK));
    }

    [Theory]
    [InlineData("--image-dir", "--image_dir")]
    [InlineData("--how_many_trainig_steps", "--how_many_training_steps")]
    [InlineData("--Learning_Rate", "--learning_rate")]
    public void AMistypedFlag_GetsTheClosestFlag(string typed, string meant)
    {
        var (code, err) = Retrain("--image_dir", "photos", typed, "3");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains($"'{typed}' is not a flag; did you mean {meant}?", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus", "5", null)]
    [InlineData("--bogus", "-5", null)]
    [InlineData("--how_many_trainig_steps", "5", "--how_many_training_steps")]
    public void AnUnknownFlagAndItsValue_AreOneError(string typed, string value, string? meant)
    {
        var (code, err) = Retrain("--image_dir", "photos", typed, value, "--learning_rate", "0.1");

        Assert.Equal((int)ExitCode.Usage, code);
        var error = Assert.Single(err.Split('\n'), l => l.Contains("error:", StringComparison.Ordinal));
        Assert.Contains($"'{typed}'", error, StringComparison.Ordinal);
        Assert.DoesNotContain($"'{value}'", err, StringComparison.Ordinal);
        if (meant is not null)
        {
            Assert.Contains($"'{typed}' is not a flag; did you mean {meant}?", err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnArgumentNotAfterAnUnknownFlag_IsStillReported()
    {
        // 5 follows a flag that took its value, and the stray word no flag at all: both are reported.
        var (code, err) = Retrain("--image_dir", "photos", "stray", "--output_graph", "g.pb", "5");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("'stray'", err, StringComparison.Ordinal);
        Assert.Contains("'5'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--image-dir:photos", "--image_dir")]
    [InlineData("--learning-rate=0.1", "--learning_rate")]
    public void AMistypedFlagWithItsValueInline_GetsTheClosestFlag(string typed, string meant)
    {
        var (code, err) = Retrain("--image_dir", "photos", typed);

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains($"'{typed}' is not a flag; did you mean {meant}?", err, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlagsOwnNameAfterDoubleDash_GetsNoSuggestion()
    {
        var (code, err) = Retrain("--image_dir", "photos", "--", "--how_many_training_steps");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("'--how_many_training_steps'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", err, StringComparison.Ordinal);
    }

    /// <summary>argparse reads no response files, so '@2x.jpg' or a Synology '@eaDir' is a name like any other.</summary>
    [Fact]
    public void AValueStartingWithAt_IsANameNotAResponseFile()
    {
        System.CommandLine.ParseResult? parsed = null;
        var (code, _, err) = CliRunner.Run(RetrainCommand.Create(), (p, _, _, _) =>
        {
            parsed = p;
            return ExitCode.Success;
        }, "--image_dir", "@eaDir", "--output_labels", "@labels.txt");

        Assert.True(code == 0, err);
        var options = RetrainCommand.Bind(parsed!);
        Assert.Equal(("@eaDir", "@labels.txt"), (options.ImageDir, options.OutputLabels));
    }

    [Fact]
    public void AFlagFarFromEveryOther_GetsNoSuggestion()
    {
        var (code, err) = Retrain("--image_dir", "photos", "--colour", "3");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.DoesNotContain("did you mean", err, StringComparison.Ordinal);
    }

    [Fact]
    public void APathThatIsNotValidUtf8_IsAUsageErrorNamingTheFlag()
    {
        // What .NET makes of the Latin-1 bytes of "gé.pb": the é became U+FFFD, and writing that name makes another file.
        var (code, err) = Retrain("--image_dir", "photos", "--output_graph", "out/g\uFFFD.pb");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("error: Invalid value for --output_graph: 'out/g\uFFFD.pb' is not valid UTF-8", err, StringComparison.Ordinal);

        (code, err) = Retrain("--image_dir=ph\uFFFDtos");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("Invalid value for --image_dir: 'ph\uFFFDtos' is not valid UTF-8", err, StringComparison.Ordinal);
    }
}
