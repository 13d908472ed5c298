using System.CommandLine;
using LabelImage.Cli;
using Retrain.Cli.Common;
using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Flags shortened as retrain.py's argparse allows (allow_abbrev): a prefix that begins one flag of the command means
/// that flag, with its value after a space or '=', a whole name wins over the longer flags it begins, and a prefix that
/// begins several is a usage error naming them, unless only one of those is a flag the Python script had: then, as the
/// script's argparse read it, it means that one.
/// </summary>
public sealed class FlagAbbreviationsTests
{
    private static (int Code, string Err, ParseResult? Parsed) Run(RootCommand command, params string[] args) => CliRunner.Parse(command, args);

    private static RootCommand Made() =>
    [
        new Option<string>("--shard"),
        new Option<int?>("--shard_count"),
        new Option<string>("--output_graph"),
        new Option<string>("--output_labels"),
        new Option<bool>("--flip_left_right"),
    ];

    [Theory]
    [InlineData("--shard_c", "--shard_count")]
    [InlineData("--shard_c=4", "--shard_count=4")]
    [InlineData("--shard_c:4", "--shard_count:4")]
    [InlineData("--output_g", "--output_graph")]
    [InlineData("--flip", "--flip_left_right")]
    [InlineData("--fl=true", "--flip_left_right=true")]
    public void APrefixOfOneFlag_IsWrittenOutInFull(string typed, string meant)
    {
        var (args, errors) = FlagAbbreviations.Expand(Made(), ["--shard", "0/4", typed, "4"]);

        Assert.Equal(["--shard", "0/4", meant, "4"], args);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("--shard")]
    [InlineData("--shard=0/4")]
    [InlineData("--shard:0/4")]
    public void AWholeName_WinsOverTheLongerFlagsItBegins(string typed)
    {
        var (args, errors) = FlagAbbreviations.Expand(Made(), [typed]);

        Assert.Equal([typed], args);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("--output")]
    [InlineData("--output=g.pb")]
    public void APrefixOfSeveralFlags_IsAnErrorNamingThem(string typed)
    {
        var (args, errors) = FlagAbbreviations.Expand(Made(), [typed, "g.pb"]);

        Assert.Equal("ambiguous option: --output could match --output_graph, --output_labels", Assert.Single(errors));
        Assert.Equal([typed, "g.pb"], args);
    }

    [Fact]
    public void ValuesNegativeNumbersUnknownFlagsAndArgumentsAfterDoubleDash_AreLeftAsTheyAre()
    {
        string[] given = ["--output_graph", "out", "-1", "-f", "--bogus", "--", "--sha", "--=5"];

        var (args, errors) = FlagAbbreviations.Expand(Made(), given);

        Assert.Equal(given, args);
        Assert.Empty(errors);
    }

    [Fact]
    public void Retrain_TakesUniquePrefixesOfItsFlags()
    {
        var (code, err, parsed) = Run(
            RetrainCommand.Create(),
            "--ima", "photos", "--how_many", "10", "--learn=0.5", "--flip", "--test_batch", "-1", "--random_seed=-3");

        Assert.True(code == 0, err);
        var options = RetrainCommand.Bind(parsed!);
        Assert.Equal(
            ("photos", 10, 0.5f, true, -1, -3),
            (options.ImageDir, options.HowManyTrainingSteps, options.LearningRate, options.FlipLeftRight, options.TestBatchSize, options.RandomSeed));
    }

    [Fact]
    public void Retrain_ShardIsShardNotShardCount()
    {
        // --shard begins --shard_count; as in argparse, the whole name is the flag it names.
        var (code, err, parsed) = Run(RetrainCommand.Create(), "--image_dir", "photos", "--shard", "1/4", "--shard_c", "4");

        Assert.True(code == 0, err);
        Assert.Equal(("1/4", 4), (parsed!.GetValue<string?>("--shard"), parsed.GetValue<int?>("--shard_count")));
    }

    [Fact]
    public void Retrain_APrefixOfSeveralFlags_IsAUsageErrorNamingThem()
    {
        var (code, err, parsed) = Run(RetrainCommand.Create(), "--image_dir", "photos", "--output", "g.pb");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(parsed);
        Assert.Contains("error: ambiguous option: --output could match --output_graph, --output_labels, --output_onnx", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", err, StringComparison.Ordinal);
        Assert.Contains("--help' for the list of flags.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelImage_MatchesPrefixesAgainstItsOwnFlags()
    {
        // label-image has one --output flag, so --output is not ambiguous there; it has several --input ones.
        var (code, err, parsed) = Run(
            LabelImageCommand.Create(), "--gr", "g.pb", "--im", "a.jpg", "b.jpg", "--top=3", "--output", "final_result");

        Assert.True(code == 0, err);
        var options = LabelImageCommand.Bind(parsed!);
        Assert.Equal(("g.pb", 3, "final_result"), (options.Graph, options.TopK, options.Model.OutputNode));
        Assert.Equal(["a.jpg", "b.jpg"], options.Images);

        (code, err, _) = Run(LabelImageCommand.Create(), "--graph", "g.pb", "--image", "a.jpg", "--input", "x");
        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("ambiguous option: --input could match --input_channel_order, --input_height,", err, StringComparison.Ordinal);
    }

    private static PythonScriptCommand MadeForScript() =>
        new("test", "retrain.py", new HashSet<string>(["--eval_step_interval", "--random_crop", "--random_scale"], StringComparer.Ordinal))
        {
            new Option<int>("--eval_step_interval"),
            new Option<string>("--evaluation_json"),
            new Option<int>("--random_crop"),
            new Option<int>("--random_scale"),
            new Option<int>("--random_seed"),
            new Option<string>("--device"),
            new Option<int>("--dropout"),
        };

    [Theory]
    [InlineData("--eval", "--eval_step_interval")]
    [InlineData("--eval=5", "--eval_step_interval=5")]
    [InlineData("--e:5", "--eval_step_interval:5")]
    [InlineData("--random_s", "--random_scale")]
    public void APrefixOfSeveralFlags_OnlyOneOfThemTheScripts_MeansThatOne(string typed, string meant)
    {
        var (args, errors) = FlagAbbreviations.Expand(MadeForScript(), [typed, "5"]);

        Assert.Empty(errors);
        Assert.Equal([meant, "5"], args);
    }

    [Theory]
    [InlineData("--random", "--random_crop, --random_scale, --random_seed")]
    [InlineData("--d", "--device, --dropout")]
    public void APrefixOfSeveralOfTheScriptsFlags_OrOfNone_IsStillAnError(string typed, string named)
    {
        var (args, errors) = FlagAbbreviations.Expand(MadeForScript(), [typed, "5"]);

        Assert.Equal($"ambiguous option: {typed} could match {named}", Assert.Single(errors));
        Assert.Equal([typed, "5"], args);
    }

    [Fact]
    public void ACommandOfNoScript_RefusesEveryPrefixOfSeveralFlags()
    {
        RootCommand command = [new Option<int>("--eval_step_interval"), new Option<string>("--evaluation_json")];

        var (_, errors) = FlagAbbreviations.Expand(command, ["--eval", "5"]);

        Assert.Equal("ambiguous option: --eval could match --eval_step_interval, --evaluation_json", Assert.Single(errors));
    }

    [Theory]
    [InlineData("--eval", "5", "--eval_step_interval")]
    [InlineData("--bottleneck", "cache", "--bottleneck_dir")]
    [InlineData("--bottleneck_", "cache", "--bottleneck_dir")]
    [InlineData("--random_s", "20", "--random_scale")]
    [InlineData("--c", "ckpt", "--checkpoint_path")]
    public void Retrain_APrefixRetrainPyTookForOneOfItsFlags_StillMeansIt_ThoughRetrainAddedFlagsItBegins(string typed, string value, string meant)
    {
        var (code, err, parsed) = Run(RetrainCommand.Create(), "--image_dir", "photos", typed, value);

        Assert.True(code == 0, err);
        Assert.Equal(value, Assert.Single(parsed!.GetResult(meant)!.Tokens).Value);
        Assert.Contains($"note: {typed} is read as {meant}, as retrain.py read it; ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void APrefixOfOneFlagOnly_NeedsNoNote()
    {
        var (code, err, _) = Run(RetrainCommand.Create(), "--image_dir", "photos", "--how_many", "5");

        Assert.True(code == 0, err);
        Assert.DoesNotContain("note:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNote_NamesTheOtherFlagsThePrefixBegins()
    {
        var notes = new List<string>();

        FlagAbbreviations.Expand(RetrainCommand.Create(), ["--random_s", "20"], notes);

        Assert.Equal(["--random_s is read as --random_scale, as retrain.py read it; --random_seed also begins with --random_s."], notes);
    }

    [Theory]
    [InlineData("--output", "--output_graph, --output_labels, --output_onnx")]
    [InlineData("--random", "--random_brightness, --random_crop, --random_scale, --random_seed")]
    [InlineData("--i", "--image_dir, --inference_batch_size, --input_channel_order,")]
    [InlineData("--h", "--help, --how_many_training_steps")]
    public void Retrain_APrefixAmbiguousAmongRetrainPysOwnFlags_IsStillRefused(string typed, string named)
    {
        var (code, err, parsed) = Run(RetrainCommand.Create(), "--image_dir", "photos", typed, "5");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(parsed);
        Assert.Contains($"error: ambiguous option: {typed} could match {named}", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--g", "g.pb", "--graph")]
    [InlineData("--input_l", "input", "--input_layer")]
    public void LabelImage_APrefixLabelImagePyTookForOneOfItsFlags_StillMeansIt(string typed, string value, string meant)
    {
        var (code, err, parsed) = Run(LabelImageCommand.Create(), "--graph", "x.pb", "--image", "a.jpg", typed, value);

        Assert.True(code == 0, err);
        Assert.Equal(value, parsed!.GetValue<string>(meant));
    }

    public static TheoryData<string> Scripts() => new("retrain.py", "label_image.py");

    private static PythonScriptCommand Command(string script) =>
        script == "retrain.py" ? RetrainCommand.Create() : LabelImageCommand.Create();

    [Theory]
    [MemberData(nameof(Scripts))]
    public void EveryFlagOfTheScript_IsAFlagOfTheCommand(string script)
    {
        var command = Command(script);
        var flags = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(script, command.Script);
        Assert.Subset(flags, command.ScriptFlags.ToHashSet(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void EveryPrefixOfAScriptFlag_IsReadAsTheScriptsArgparseReadIt(string script)
    {
        // Each flag of the script shortened each way: a prefix the script's argparse took for one flag means it here
        // too, whatever flags this tool added; one it refused as ambiguous is refused here too.
        var command = Command(script);
        var checkedPrefixes = 0;
        foreach (var flag in command.ScriptFlags)
        {
            for (var length = 3; length <= flag.Length; length++)
            {
                var prefix = flag[..length];
                var scriptMatches = command.ScriptFlags.Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                var (args, errors) = FlagAbbreviations.Expand(command, [prefix]);
                if (command.ScriptFlags.Contains(prefix) || scriptMatches.Count == 1)
                {
                    Assert.True(errors.Count == 0, $"{script}: {prefix}: {string.Join("; ", errors)}");
                    Assert.Equal(command.ScriptFlags.Contains(prefix) ? prefix : flag, Assert.Single(args));
                }
                else
                {
                    Assert.True(errors.Count == 1, $"{script}: {prefix} begins {string.Join(", ", scriptMatches)}, but was taken for {args[0]}");
                }

                checkedPrefixes++;
            }
        }

        Assert.True(checkedPrefixes > 100);
    }
}
