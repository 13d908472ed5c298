using System.Diagnostics;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests.BadInput;

/// <summary>
/// Issue 15, defect 5: a shared --bottleneck_dir holding a model folder this user cannot list (another user's, or mode
/// 000) crashed with UnauthorizedAccessException (exit 1). It is an I/O error (exit 6) naming the folder and what to
/// do. Run as a child process without root's file-permission override, so permissions apply as they do to a user.
/// </summary>
public sealed class SharedCacheTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData("mode 000")]
    [InlineData("another user's")]
    public void ModelFolderThisUserCannotList_IsAnIoErrorNamingIt(string kind)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only.");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        if (kind == "another user's" && !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("Giving a folder to another user needs root.");
        }

        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path));
        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var folder = Directory.GetDirectories(options.BottleneckDir).Single();
        var snapshot = InputSnapshot.Take(_work.Path);
        if (kind == "mode 000")
        {
            File.SetUnixFileMode(folder, UnixFileMode.None);
        }
        else
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Chown(folder, "65534:65534"); // nobody
        }

        try
        {
            using var retrain = RetrainProcess.Start(RetrainProcess.RetrainDll, TinyRuns.Arguments(options), null, asUserWithoutOverride: true);

            Assert.Equal((int)ExitCode.IoError, retrain.WaitForExit());
            Assert.Contains($"Cannot read the bottleneck cache folder '{folder}': permission denied.", retrain.Log, StringComparison.Ordinal);
            Assert.Contains("or pass another --bottleneck_dir.", retrain.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", retrain.Log, StringComparison.Ordinal);
        }
        finally
        {
            if (kind != "mode 000")
            {
                Chown(folder, "0:0");
            }

            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        snapshot.AssertUnchanged(Path.GetDirectoryName(options.OutputGraph)!);
    }

    private static void Chown(string path, string owner)
    {
        using var chown = Process.Start("chown", [owner, path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }
}
