using System.Runtime.InteropServices;
using Xunit;

namespace Retrain.Tests.TestSupport;

/// <summary>POSIX special files for the bad-input corpus: FIFOs that block a reader in open(2) until a writer comes.</summary>
public static partial class SpecialFiles
{
    /// <summary>Creates a FIFO (mode 0644) at <paramref name="path"/>, making its folder first.</summary>
    public static string Fifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Assert.True(MakeFifo(path, 0x1A4) == 0, $"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>
    /// Runs <paramref name="work"/> and fails instead of hanging when it does not finish within <paramref name="limit"/>:
    /// a reader stuck in open(2) on one of <paramref name="fifos"/> is released by opening it for writing.
    /// </summary>
    public static async Task<T> WithoutHanging<T>(Func<T> work, TimeSpan limit, params string[] fifos)
    {
        var run = Task.Run(work);
        var finished = await Task.WhenAny(run, Task.Delay(limit, TestContext.Current.CancellationToken)) == run;
        if (!finished)
        {
            foreach (var fifo in fifos)
            {
                using var unblock = new FileStream(fifo, FileMode.Open, FileAccess.Write | FileAccess.Read);
            }
        }

        Assert.True(finished, "blocked on a FIFO: " + string.Join(", ", fifos));
        return await run;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);
}
