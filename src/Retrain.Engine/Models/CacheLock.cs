using Retrain.Errors;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// An exclusive lock on `&lt;name&gt;.lock` in the model cache, so that when two runs need the same model at once only
/// one downloads it and the other waits, then reuses the result. The lock is the open file itself (FileShare.None:
/// flock on Unix, a share lock on Windows), so the operating system releases it when a process dies and a killed
/// download never blocks later runs. The file stays behind: deleting it could let a waiter lock a file that is
/// already gone while a newcomer locks a fresh one.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan WaitLogInterval = TimeSpan.FromSeconds(30);

    private readonly FileStream _file;

    private CacheLock(FileStream file)
    {
        _file = file;
    }

    /// <summary>Takes the lock, waiting (and saying so) while another process holds it.</summary>
    /// <param name="rootChoice">How the user picks another cache folder, for the error when the lock cannot be created.</param>
    public static CacheLock Acquire(string path, string what, string rootChoice, ILogger log, CancellationToken ct)
    {
        var lastLog = long.MinValue;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return new CacheLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (IsHeldByOther(e))
            {
                var now = Environment.TickCount64;
                if (lastLog == long.MinValue || now - lastLog >= WaitLogInterval.TotalMilliseconds)
                {
                    log.Information("Waiting for another retrain process that is downloading {What} (lock file {Path})", what, path);
                    lastLog = now;
                }

                ct.WaitHandle.WaitOne(PollInterval);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RetrainException(
                    ExitCode.IoError,
                    $"Cannot create the lock file '{path}' in the cache: {e.Message} Make the folder writable, or " +
                    $"choose another cache folder with {rootChoice}.",
                    e);
            }
        }
    }

    public void Dispose() => _file.Dispose();

    // .NET reports a lock held elsewhere as a plain IOException carrying the OS error: EWOULDBLOCK from flock on Linux
    // (11) and macOS (35), ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows. Anything else (read-only disk,
    // permissions) would never clear, so it must fail instead of waiting forever.
    private static bool IsHeldByOther(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
