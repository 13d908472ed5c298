using Retrain.Errors;

namespace Retrain;

/// <summary>
/// Checks before any work that every folder retrain will write to can be created and written, so a read-only or
/// mistyped output path fails in a second rather than after an hour of bottlenecks.
/// </summary>
internal static class OutputLocations
{
    public static void EnsureWritableFolder(string folder, string flag)
    {
        var full = Path.GetFullPath(string.IsNullOrEmpty(folder) ? "." : folder);
        var probe = Path.Combine(full, $".retrain-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(full);
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot write to '{full}' (for {flag}): {e.Message} Choose a writable location with {flag}.",
                e);
        }
    }

    public static void EnsureWritableFile(string file, string flag) =>
        EnsureWritableFolder(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", flag);
}
