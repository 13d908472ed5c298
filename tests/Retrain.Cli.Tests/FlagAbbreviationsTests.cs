using System.CommandLine;
using LabelImage.Cli;
using Retrain.Cli.Common;
using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Flags shortened as retrain.py's argparse allows (allow_abbrev): a prefix that begins one flag of the command means
/// that flag, with its value after a space or '=', a whole name wins over the longer flags it begins, and a prefix that
/// begins several is a usage error naming them.
/// </summary>
public sealed class FlagAbbreviationsTests
{
    /// <summary>Runs the command as its Program.cs does, up to the parse: the body keeps what was parsed and succeeds.</summary>
    private static (int Code, string Err, ParseResult? Parsed) Run(RootCommand command, params string[] args)
    {
        ParseResult? parsed = null;
        var (code, _, err) = CliRunner.Run(command, (p, _, _, _) =>
        {
            parsed = p;
            return ExitCode.Success;
        }, args);
        return (code, err, parsed);
    }

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
}
