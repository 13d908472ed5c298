using Retrain.Errors;
using Serilog.Events;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// absl's logging flags, which retrain.py's tf.app.run took and wrappers pass, are accepted and ignored with a
/// warning instead of stopping the run as unknown flags; they stay out of --help and of retrain.py's prefixes.
/// </summary>
public sealed class AbslLoggingFlagsTests
{
    [Fact]
    public void AbslsLoggingFlags_AreIgnoredWithAWarning()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-images-" + Guid.NewGuid().ToString("N"));

        var (code, _, err) = CliRunner.Run(
            RetrainCommand.Create(),
            RetrainCommand.Execute,
            "--image_dir", missing, "--logtostderr", "--alsologtostderr", "--verbosity", "1", "--stderrthreshold", "0", "--log_dir", "/tmp/logs");

        Assert.NotEqual((int)ExitCode.Usage, code);
        Assert.Contains(
            "Ignoring --logtostderr, --alsologtostderr, --verbosity, --stderrthreshold, --log_dir: absl's logging flags",
            err,
            StringComparison.Ordinal);
        Assert.Contains(missing, err, StringComparison.Ordinal);
    }

    /// <summary>absl's own forms of its booleans and its short -v, none held to retrain.py's switch rule.</summary>
    [Theory]
    [InlineData("--logtostderr=false")]
    [InlineData("--logtostderr=0")]
    [InlineData("--nologtostderr")]
    [InlineData("--alsologtostderr=1")]
    [InlineData("--noalsologtostderr")]
    [InlineData("-v", "2")]
    public void AbslsOwnForms_AreAccepted(params string[] given)
    {
        var (code, err, _) = CliRunner.Parse(RetrainCommand.Create(), ["--image_dir", "photos", .. given]);

        Assert.True(code == 0, err);
    }

    [Fact]
    public void Help_DoesNotShowThem()
    {
        var (code, output, _) = CliRunner.Run(RetrainCommand.Create(), RetrainCommand.Execute, "--help");

        Assert.Equal(0, code);
        Assert.DoesNotContain("logtostderr", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--log_dir", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePrefixLog_StillMeansLoggingVerbosity()
    {
        var (code, err, parsed) = CliRunner.Parse(RetrainCommand.Create(), "--image_dir", "photos", "--log", "DEBUG");

        Assert.True(code == 0, err);
        Assert.Equal(LogEventLevel.Debug, RetrainCommand.Verbosity(parsed!));
    }
}
