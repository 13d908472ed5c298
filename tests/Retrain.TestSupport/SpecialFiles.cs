using System.Runtime.InteropServices;
using Xunit;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// POSIX special files for the bad-input corpus: FIFOs that block a reader in open(2) until a writer comes, and files
/// owned by another user (made by root).
/// </summary>
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

    /// <summary>The user and group "nobody" (65534), as another user's files are made for tests running as root.</summary>
    public const uint Nobody = 65534;

    /// <summary>Gives <paramref name="path"/> (not a link's target) to user and group <paramref name="uid"/>; needs root.</summary>
    public static void GiveTo(string path, uint uid)
    {
        Assert.True(Environment.IsPrivilegedProcess, "Only root can give a file to another user.");
        Assert.True(LinkChown(path, uid, uid) == 0, $"lchown {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinkChown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);
}
