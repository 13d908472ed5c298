using Retrain.Errors;
using Retrain.IO;

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

    /// <summary>
    /// Checks that <paramref name="file"/> can be written: refuses a folder, accepts a device or pipe as it is
    /// (/dev/null: written into, see <see cref="AtomicFile"/>), and otherwise checks the folder it goes into (the
    /// target's, for a symbolic link).
    /// </summary>
    public static void EnsureWritableFile(string file, string flag)
    {
        switch (PathInspector.Of(Path.GetFullPath(file)))
        {
            case PathKind.Directory:
                throw new RetrainException(
                    ExitCode.IoError,
                    $"{flag} '{file}' is a folder. Give the path of a file, e.g. {Path.Combine(file, DefaultName(flag))}.");
            case PathKind.Special:
                return;
        }

        EnsureWritableParent(PathInspector.WriteTarget(file), flag);
    }

    /// <summary>Checks that the folder <paramref name="path"/> would be created in can be written.</summary>
    public static void EnsureWritableParent(string path, string flag) =>
        EnsureWritableFolder(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", flag);

    /// <summary>
    /// Refuses two outputs at one path before any work: the second write would silently replace the first (the
    /// labels over the graph, an export over the checkpoint). Devices such as /dev/null may be named by several.
    /// </summary>
    public static void EnsureDistinct(IEnumerable<(string Flag, string? Path)> outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (flag, path) in outputs)
        {
            if (string.IsNullOrEmpty(path))
            {
                continue;
            }

            if (PathInspector.Of(Path.GetFullPath(path)) == PathKind.Special)
            {
                continue;
            }

            var target = Path.TrimEndingDirectorySeparator(PathInspector.WriteTarget(path));
            if (seen.TryGetValue(target, out var other))
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{other} and {flag} both name '{target}': each output needs a path of its own, or one would overwrite the other.");
            }

            seen[target] = flag;
        }

        // A SavedModel folder must be new or empty when it is written, after the other outputs.
        if (seen.FirstOrDefault(p => p.Value == "--saved_model_dir").Key is { } savedModel)
        {
            var inside = seen.FirstOrDefault(p => p.Key.StartsWith(savedModel + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            if (inside.Key is not null)
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{inside.Value} '{inside.Key}' is inside --saved_model_dir '{savedModel}', which must be a new or empty folder when the SavedModel is written. Put it elsewhere.");
            }
        }
    }

    private static string DefaultName(string flag) => flag switch
    {
        "--output_graph" => "output_graph.pb",
        "--output_labels" => "output_labels.txt",
        "--output_onnx" => "model.onnx",
        "--checkpoint_path" => "checkpoint",
        _ => "file",
    };
}
