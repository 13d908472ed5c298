using System.CommandLine;
using LabelImage.Cli;
using Retrain.Cli.Common;
using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Flag values read as retrain.py's argparse reads them: a decimal comma is refused (System.CommandLine took "0,01" for
/// 1), errors say what a value should look like, a flag given twice takes its last value, a mistyped flag gets the
/// closest name and is one error with its value, and an argument that is not valid UTF-8 is refused rather than turned
/// into another file name. A switch is on when given and off when left out, as argparse's store_true: an explicit false
/// (which retrain.py read as on) is refused, an explicit true is on.
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
        var (code, err, parsed) = CliRunner.Parse(RetrainCommand.Create(), "--image_dir", "@eaDir", "--output_labels", "@labels.txt");

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

    /// <summary>Every switch (bool option) of retrain, so a switch added later is held to the same rule.</summary>
    public static TheoryData<string> RetrainSwitches() =>
        new(RetrainCommand.Create().Options.OfType<Option<bool>>().Select(o => o.Name));

    [Fact]
    public void RetrainSwitches_AreFoundFromTheCommand()
    {
        var switches = RetrainCommand.Create().Options.OfType<Option<bool>>().Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(
            new HashSet<string>([Flags.FlipLeftRight, Flags.PrintMisclassifiedTestImages, Flags.BottlenecksOnly, Flags.ReducedScaleJpeg], StringComparer.Ordinal),
            switches);
    }

    [Theory]
    [MemberData(nameof(RetrainSwitches))]
    public void ASwitchGivenFalse_IsAUsageErrorSayingItTakesNoValue_AsRetrainPyWouldHaveTurnedItOn(string flag)
    {
        // retrain.py's store_true switches with parse_known_args: `--flip_left_right False` flipped (the False was
        // ignored). Reading it as off here would train differently from the same wrapper command line.
        foreach (string[] given in (string[][])[[flag, "False"], [flag, "false"], [$"{flag}=false"], [$"{flag}:false"], [flag, "FALSE"]])
        {
            var (code, err, parsed) = Parsed(RetrainCommand.Create(), [.. Base, .. given]);

            Assert.True(code == (int)ExitCode.Usage, $"{string.Join(' ', given)}: exit {code}\n{err}");
            Assert.Null(parsed);
            Assert.Contains($"error: Invalid value for {flag}: it is a switch and takes no value. Leave {flag} out to keep it off", err, StringComparison.Ordinal);
            Assert.Contains($"'{flag} {given[^1].Split('=', ':')[^1]}' is refused rather than read as off, since retrain.py would have turned it on", err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RetrainSwitches))]
    public void ASwitchGivenAloneOrTrue_IsOn_AndLeftOut_IsOff(string flag)
    {
        foreach (string[] given in (string[][])[[flag], [flag, "True"], [flag, "true"], [$"{flag}=true"], [$"{flag}:True"], [flag, "True", flag], [flag, "true", flag, "True"]])
        {
            var (code, err, parsed) = Parsed(RetrainCommand.Create(), [.. Base, .. given, "--how_many_training_steps", "7"]);

            Assert.True(code == 0, $"{string.Join(' ', given)}: exit {code}\n{err}");
            Assert.True(parsed!.GetValue<bool>(flag), string.Join(' ', given));
            Assert.Equal(7, RetrainCommand.Bind(parsed).HowManyTrainingSteps);
        }

        var (_, _, none) = Parsed(RetrainCommand.Create(), Base);
        Assert.False(none!.GetValue<bool>(flag));
    }

    [Fact]
    public void AShortenedSwitchGivenFalse_IsRefusedUnderItsWholeName()
    {
        var (code, err, _) = Parsed(RetrainCommand.Create(), [.. Base, "--flip", "False"]);

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("Invalid value for --flip_left_right: it is a switch and takes no value.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void AWordAfterASwitchThatIsNotTrueOrFalse_IsStillAStrayArgument()
    {
        var (code, err, _) = Parsed(RetrainCommand.Create(), [.. Base, "--flip_left_right", "0"]);

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("'0'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("is a switch", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("label_image.py")]
    [InlineData(null)]
    public void EveryCommandsSwitches_GetTheRule_NamingItsScript(string? script)
    {
        // label-image has no switch yet; any it gets is read the same way.
        RootCommand command = script is null ? new RootCommand() : new PythonScriptCommand("test", script, new HashSet<string>());
        command.Options.Add(new Option<bool>("--verbose_labels"));
        FlagParsing.Apply(command);

        var (code, err, _) = Parsed(command, ["--verbose_labels", "False"]);
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains(
            $"'--verbose_labels False' is refused rather than read as off, since {script ?? "a Python script"} would have turned it on (argparse ignores a value after a switch).",
            err,
            StringComparison.Ordinal);

        (code, err, var parsed) = Parsed(command, ["--verbose_labels=True"]);
        Assert.True(code == 0, err);
        Assert.True(parsed!.GetValue<bool>("--verbose_labels"));
    }

    private static (int Code, string Err, ParseResult? Parsed) Parsed(RootCommand command, string[] args) => CliRunner.Parse(command, args);
}
