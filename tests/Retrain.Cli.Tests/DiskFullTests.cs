using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// A real full disk: `retrain` writes its bottleneck cache and outputs to an 8 KiB tmpfs (in a mount namespace of
/// the test's own, so nothing on the machine is touched) that fills up while bottlenecks are being computed. The run
/// must stop with the I/O exit code and a message that names the file and says the disk may be full; after the disk
/// is given room, the next run must reuse every vector the first one managed to write.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    // 200 tiny vectors take 12.8 KB in the cache's pack: the disk fills about two thirds of the way through.
    private const int Photos = 2 * 100;

    // $1 dotnet, $2 retrain.dll, $3 the mount point, then the flags. Exit 90 = this machine cannot mount a tmpfs.
    // Everything goes to stdout, one pipe, so each run's lines come before the line that ends it.
    private const string Script = """
        dotnet=$1; dll=$2; disk=$3; shift 3
        mount -t tmpfs -o size=8k tmpfs "$disk" || exit 90
        "$dotnet" "$dll" "$@" 2>&1
        echo "FIRST RUN EXIT $?"
        mount -o remount,size=16m "$disk" || exit 91
        "$dotnet" "$dll" "$@" 2>&1
        echo "SECOND RUN EXIT $?"
        """;

    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void DiskFillingUpDuringBottlenecks_IsAnIoError_AndTheNextRunReusesWhatWasWritten()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Linux mount namespaces only.");
        }

        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: Photos / 2, classes: ["blue", "red"]);
        var disk = Directory.CreateDirectory(Path.Combine(_work.Path, "disk")).FullName;
        var options = TinyRuns.Options(disk, imageDir, TinyBackbone.Write(_work.Path));

        using var run = RetrainProcess.StartInMountNamespace(Script, [disk, .. TinyRuns.Arguments(options)]);
        var code = run.WaitForExit();
        var log = run.Log;
        if (code == 90 || (code != 0 && log.Contains("unshare:", StringComparison.Ordinal)))
        {
            Assert.Skip("This machine does not let the tests mount a tmpfs in a namespace of their own: " + log);
        }

        Assert.True(code == 0, log);
        var firstEnd = log.IndexOf("FIRST RUN EXIT", StringComparison.Ordinal);
        var secondEnd = log.IndexOf("SECOND RUN EXIT", StringComparison.Ordinal);
        Assert.True(firstEnd >= 0 && secondEnd > firstEnd, log);
        var (first, second) = (log[..firstEnd], log[firstEnd..secondEnd]);
        Assert.Contains($"FIRST RUN EXIT {(int)ExitCode.IoError}", log, StringComparison.Ordinal);
        Assert.Matches(@"ERR Cannot write '[^']+\.bnp': No space left on device\. Check that", first);
        Assert.DoesNotContain(".tmp-", first, StringComparison.Ordinal);
        Assert.Contains("the disk is not full", first, StringComparison.Ordinal);
        Assert.Contains($"Cannot write '{options.BottleneckDir}", first, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", first, StringComparison.Ordinal);

        Assert.Contains("SECOND RUN EXIT 0", log, StringComparison.Ordinal);
        var ready = Regex.Match(second, @"Bottlenecks ready: (\d+) computed, (\d+) reused from cache, 0 skipped");
        Assert.True(ready.Success, second);
        var (computed, reused) = (int.Parse(ready.Groups[1].Value), int.Parse(ready.Groups[2].Value));
        Assert.Equal(Photos, computed + reused);
        Assert.True(reused > 0, $"the first run's vectors were not reused:\n{log}");
        Assert.Contains("Final test accuracy", second, StringComparison.Ordinal);
    }

    /// <summary>
    /// A full disk under a complete cache is not a read-only cache: the run stops with the I/O exit code and the
    /// reason, before any work, and leaves no write probe behind (a full disk lets the probe be created, not written).
    /// </summary>
    [Fact]
    public void FullDiskUnderACompleteCache_IsAnIoErrorSayingSo_AndLeavesNoProbe()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Linux mount namespaces only.");
        }

        const string FillThenRun = """
            dotnet=$1; dll=$2; disk=$3; shift 3
            mount -t tmpfs -o size=1m tmpfs "$disk" || exit 90
            "$dotnet" "$dll" "$@" 2>&1
            echo "FIRST RUN EXIT $?"
            dd if=/dev/zero of="$disk/fill" bs=4k 2>/dev/null
            "$dotnet" "$dll" "$@" 2>&1
            echo "SECOND RUN EXIT $?"
            echo "LEFT:"; ls -A "$disk/bottlenecks"
            """;
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        var disk = Directory.CreateDirectory(Path.Combine(_work.Path, "disk")).FullName;
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path)) with
        {
            BottleneckDir = Path.Combine(disk, "bottlenecks"),
        };

        using var run = RetrainProcess.StartInMountNamespace(FillThenRun, [disk, .. TinyRuns.Arguments(options)]);
        var code = run.WaitForExit();
        var log = run.Log;
        if (code == 90 || (code != 0 && log.Contains("unshare:", StringComparison.Ordinal)))
        {
            Assert.Skip("This machine does not let the tests mount a tmpfs in a namespace of their own: " + log);
        }

        Assert.True(code == 0, log);
        Assert.Contains("FIRST RUN EXIT 0", log, StringComparison.Ordinal);
        Assert.Contains($"SECOND RUN EXIT {(int)ExitCode.IoError}", log, StringComparison.Ordinal);
        var second = log[log.IndexOf("FIRST RUN EXIT", StringComparison.Ordinal)..];
        Assert.Contains($"Cannot write to '{options.BottleneckDir}' (for --bottleneck_dir): No space left on device", second, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot be written (", second, StringComparison.Ordinal);
        Assert.DoesNotContain(".retrain-write-test-", log[log.IndexOf("LEFT:", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }
}
