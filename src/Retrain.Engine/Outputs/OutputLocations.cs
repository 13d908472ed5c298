using Retrain.Errors;
using Retrain.Export;
using Retrain.IO;

namespace Retrain.Outputs;

/// <summary>
/// Checks before any work that every folder retrain will write to can be created and written, so a read-only or
/// mistyped output path fails in a second rather than after an hour of bottlenecks.
/// </summary>
internal static class OutputLocations
{
    private const string IntermediateFlag = Flags.IntermediateOutputGraphsDir;

    public static void EnsureWritableFolder(string folder, string flag)
    {
        var full = Path.GetFullPath(string.IsNullOrEmpty(folder) ? "." : folder);
        var probe = Path.Combine(full, $".retrain-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        if (FileInTheWay(full) is { } file)
        {
            // .NET's own message ("The file ... already exists") hides that a file stands where a folder must be.
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot write to '{full}' (for {flag}): '{file}' is a file, not a folder. Choose a location in a folder with {flag}.");
        }

        try
        {
            Directory.CreateDirectory(full);
            File.WriteAllBytes(probe, [1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot write to '{full}' (for {flag}): {e.Message} Choose a writable location with {flag}.",
                e);
        }
        finally
        {
            // On a full disk the probe is created and then cannot be written: it must not stay behind either.
            TryDelete(probe);
        }
    }

    /// <summary>
    /// Whether <paramref name="failure"/>, the cause of a failed <see cref="EnsureWritableFolder"/>, says the folder may
    /// not be written at all (permission denied, a read-only file system) rather than that writing failed (a full disk).
    /// </summary>
    public static bool DeniesWriting(Exception? failure) =>
        failure is UnauthorizedAccessException || (failure is IOException && failure.HResult == ReadOnlyFileSystem);

    /// <summary>EROFS, the errno .NET gives as an IOException's HResult on Linux.</summary>
    private const int ReadOnlyFileSystem = 30;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a probe that could not be created cannot be deleted either.
        }
    }

    /// <summary>The nearest part of <paramref name="folder"/> that is a file rather than a folder; null when none is.</summary>
    private static string? FileInTheWay(string folder)
    {
        for (var part = folder; part is not null; part = Path.GetDirectoryName(part))
        {
            if (Directory.Exists(part))
            {
                return null;
            }

            if (File.Exists(part))
            {
                return part;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks that <paramref name="file"/> can be written: refuses a folder, accepts a device or pipe as it is
    /// (/dev/null: written into, see <see cref="AtomicFile"/>), and otherwise checks the folder it goes into (the
    /// target's, for a symbolic link).
    /// </summary>
    /// <param name="example">A file name the "is a folder" error suggests, e.g. output_graph.pb.</param>
    public static void EnsureWritableFile(string file, string flag, string example)
    {
        switch (PathInspector.Of(Path.GetFullPath(file)))
        {
            case PathKind.Directory:
                throw new RetrainException(
                    ExitCode.IoError,
                    $"{flag} '{file}' is a folder. Give the path of a file, e.g. {Path.Combine(file, example)}.");
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
    /// <param name="outputs">Each output's flag and path, and whether it is a folder that must be new or empty.</param>
    public static void EnsureDistinct(IEnumerable<(string Flag, string? Path, bool MustBeNewFolder)> outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var newFolders = new List<(string Flag, string Target)>();
        foreach (var (flag, path, mustBeNewFolder) in outputs)
        {
            if (string.IsNullOrEmpty(path))
            {
                continue;
            }

            if (PathInspector.Of(Path.GetFullPath(path)) == PathKind.Special)
            {
                continue;
            }

            var target = Target(path);
            if (seen.TryGetValue(target, out var other))
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{other} and {flag} both name '{target}': each output needs a path of its own, or one would overwrite the other.");
            }

            seen[target] = flag;
            if (mustBeNewFolder)
            {
                newFolders.Add((flag, target));
            }
        }

        // A SavedModel or report folder is written whole after the other outputs, so none may lie inside it.
        foreach (var (folderFlag, folder) in newFolders)
        {
            var inside = seen.FirstOrDefault(p => p.Key.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            if (inside.Key is not null)
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{inside.Value} '{inside.Key}' is inside {folderFlag} '{folder}', a folder written whole at the end of the run, which must hold no other output. Put it elsewhere.");
            }
        }
    }

    /// <summary>
    /// Refuses, before any work, an output that would land on what the run reads (issue 15): an input file (the
    /// backbone, the checkpoint resumed from), or a place at or inside an input folder (--image_dir, the bottleneck
    /// cache, retrain.py's bottleneck folder). A folder whose old files the run deletes (<see cref="Written.Cleared"/>)
    /// must not hold an input either. An output that is also an input of the same flag (--checkpoint_path,
    /// --bottleneck_dir) is its own business; two outputs are <see cref="EnsureDistinct"/>'s.
    /// </summary>
    public static void EnsureApartFromInputs(IEnumerable<Written> outputs, IEnumerable<(string Flag, string? Path)> inputs)
    {
        var read = inputs
            .Where(i => !string.IsNullOrEmpty(i.Path) && PathInspector.Of(Path.GetFullPath(i.Path)) != PathKind.Special)
            .Select(i => (i.Flag, Path: PathInspector.Canonical(i.Path!)))
            .ToList();
        foreach (var output in outputs)
        {
            if (string.IsNullOrEmpty(output.Path) || PathInspector.Of(Path.GetFullPath(output.Path)) == PathKind.Special)
            {
                continue;
            }

            var target = Target(output.Path);
            foreach (var (flag, input) in read.Where(i => i.Flag != output.Flag))
            {
                var why = target == input ? $"'{target}', which is the {flag} input"
                    : IsInside(target, input) ? $"'{target}', inside the {flag} folder '{input}'"
                    : output.Cleared && IsInside(input, target) ? $"'{target}' (deleting its old files), which holds the {flag} input '{input}'"
                    : null;
                if (why is not null)
                {
                    throw new RetrainException(
                        ExitCode.Usage,
                        $"{output.Flag} would write {why}: an output must never replace what retrain reads. Give {output.Flag} a path apart from {flag}.");
                }
            }
        }
    }

    /// <summary>
    /// Refuses an output where --intermediate_store_frequency will save an intermediate graph (retrain.py's
    /// <c>intermediate_&lt;step&gt;.pb</c>): one of the two would silently replace the other.
    /// </summary>
    public static void EnsureApartFromIntermediateGraphs(IEnumerable<Written> outputs, string folder, int frequency, int steps)
    {
        if (frequency <= 0)
        {
            return;
        }

        var graphs = PathInspector.Canonical(folder);
        foreach (var output in outputs.Where(o => !string.IsNullOrEmpty(o.Path) && o.Flag != IntermediateFlag))
        {
            var target = Target(output.Path!);
            if (Path.GetDirectoryName(target) == graphs && IntermediateGraphs.StepSavedAs(Path.GetFileName(target), frequency, steps) is { } step)
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{output.Flag} would write '{target}', where {IntermediateFlag} saves the graph of step {step}. Give {output.Flag} another path, or choose another {IntermediateFlag}.");
            }
        }
    }

    // Where writing at path lands, spelled one way: the link-aware write target, in its real folder.
    private static string Target(string path)
    {
        var target = Path.TrimEndingDirectorySeparator(PathInspector.WriteTarget(path));
        var folder = Path.GetDirectoryName(target);
        return folder is null ? target : Path.Combine(PathInspector.Canonical(folder), Path.GetFileName(target));
    }

    private static bool IsInside(string path, string folder) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
