using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// A photo the user may not read (mode 000), through both commands in child processes that file permissions apply
/// to even when the tests run as root: retrain skips it with one line and trains on the rest; label-image given it
/// fails with the bad-image exit code, naming it and saying why.
/// </summary>
public sealed class UnreadablePhotoTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void UnreadablePhoto_IsSkippedByRetrain_AndRefusedByLabelImage()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only.");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        var secret = Path.Combine(imageDir, "blue", "secret.png");
        File.WriteAllBytes(secret, TinyDataset.Image("blue", seed: 8));
        File.SetUnixFileMode(secret, UnixFileMode.None);
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path));

        using var retrain = RetrainProcess.Start(RetrainProcess.RetrainDll, TinyRuns.Arguments(options), null, asUserWithoutOverride: true);
        var code = retrain.WaitForExit();

        Assert.True(code == 0, retrain.Log);
        Assert.Contains($"WRN Skipping {secret}: permission denied. Fix: make the file readable by this user (chmod/chown).", retrain.Log, StringComparison.Ordinal);
        Assert.Contains("Bottlenecks ready: 10 computed, 0 reused from cache, 1 skipped", retrain.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", retrain.Log, StringComparison.Ordinal);
        Assert.True(File.Exists(options.OutputGraph));

        using var label = RetrainProcess.Start(
            RetrainProcess.LabelImageDll,
            ["--graph", options.OutputGraph, "--labels", options.OutputLabels, "--image", secret],
            null,
            asUserWithoutOverride: true);

        Assert.Equal((int)ExitCode.BadImage, label.WaitForExit());
        Assert.Contains($"Cannot load image '{secret}': permission denied. Fix: make the file readable by this user (chmod/chown).", label.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", label.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableClassFolder_IsABadDatasetErrorNamingIt()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only.");
            return;
        }

        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        var locked = Path.Combine(imageDir, "red");
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path));
        File.SetUnixFileMode(locked, UnixFileMode.None);
        try
        {
            using var retrain = RetrainProcess.Start(RetrainProcess.RetrainDll, TinyRuns.Arguments(options), null, asUserWithoutOverride: true);

            Assert.Equal((int)ExitCode.BadDataset, retrain.WaitForExit());
            Assert.Contains($"Cannot list folder '{locked}'", retrain.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", retrain.Log, StringComparison.Ordinal);
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
