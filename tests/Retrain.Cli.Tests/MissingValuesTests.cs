using System.CommandLine;
using LabelImage.Cli;
using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// A flag that takes a value, followed straight by another flag, is refused naming the flag without its value (as
/// argparse's "expected one argument"), instead of taking the next flag as its value and reporting a stray argument.
/// </summary>
public sealed class MissingValuesTests
{
    private static (int Code, string Err, ParseResult? Parsed) Run(RootCommand command, params string[] args) => CliRunner.Parse(command, args);

    [Fact]
    public void AFlagFollowedByAnotherFlag_IsAUsageErrorNamingIt()
    {
        var (code, err, parsed) = Run(RetrainCommand.Create(), "--image_dir", "--how_many", "100");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Null(parsed);
        Assert.Contains(
            "error: argument --image_dir: expected a value, but '--how_many' after it is a flag. Give --image_dir its value (a file whose name starts with '--' is written ./--how_many).",
            err,
            StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", err, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelImage_AnImageFlagWithoutItsImage_IsNamed()
    {
        var (code, err, _) = Run(LabelImageCommand.Create(), "--graph", "g.pb", "--image", "--top_k", "3");

        Assert.Equal((int)ExitCode.Usage, code);
        Assert.Contains("argument --image: expected a value, but '--top_k' after it is a flag.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void SwitchesNegativeNumbersAndValuesAfterEquals_StillParse()
    {
        var (code, err, parsed) = Run(
            RetrainCommand.Create(),
            "--flip_left_right", "--image_dir=--odd name", "--test_batch_size", "-1", "--print_misclassified_test_images", "--random_seed", "-3");

        Assert.True(code == 0, err);
        var options = RetrainCommand.Bind(parsed!);
        Assert.Equal(("--odd name", -1, -3, true), (options.ImageDir, options.TestBatchSize, options.RandomSeed, options.FlipLeftRight));
    }
}
