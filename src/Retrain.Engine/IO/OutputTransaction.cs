using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Retrain.Errors;

namespace Retrain.IO;

/// <summary>
/// Outputs that belong together (output_graph.pb and its labels, the ONNX model, the SavedModel) are committed
/// together: each is first written whole to a temporary file or folder beside its destination, and only when every one
/// was written are they renamed into place, so a failed write leaves every earlier version as it was and its
/// temporaries removed. A device or pipe (/dev/null) cannot be staged and is written into at once (see
/// <see cref="AtomicFile"/>), which puts it before every rename: a failing one (/dev/full) stops the commit.
/// Disposing without <see cref="Commit"/> discards what was staged.
/// </summary>
internal sealed partial class OutputTransaction : IDisposable
{
    private static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);
    private static readonly ConcurrentDictionary<string, byte> Swept = new(StringComparer.Ordinal);

    private readonly List<Staged> _staged = [];
    private int _committed;

    /// <summary>Writes <paramref name="state"/> to a temporary file that <see cref="Commit"/> renames to <paramref name="path"/>.</summary>
    public void Write<TState>(string path, TState state, AtomicFile.ContentWriter<TState> writeContent, bool flushToDisk = true)
        where TState : allows ref struct
    {
        var given = Path.GetFullPath(path);
        switch (PathInspector.Of(given))
        {
            case PathKind.Directory:
                throw new RetrainException(ExitCode.IoError, $"Cannot write '{given}': it is a folder. Give the path of a file in it instead.");
            case PathKind.Special:
                WriteInto(given, state, writeContent);
                return;
        }

        var full = PathInspector.WriteTarget(given);
        var dir = Path.GetDirectoryName(full)!;
        RemoveOrphans(full);
        var temp = TempPath(full);
        var staged = new Staged(temp, full, IsFolder: false, e => FileFailed(full, e, temp));
        try
        {
            Directory.CreateDirectory(dir);
            using (var stream = new FileStream(staged.Temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(stream, state);
                stream.Flush(flushToDisk);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(staged);
            throw staged.Failed(e);
        }
        catch
        {
            TryDelete(staged);
            throw;
        }

        _staged.Add(staged);
    }

    public void Write(string path, IMessage message) => Write(path, message, static (stream, m) => m.WriteTo(stream));

    public void WriteAllText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text), static (s, c) => s.Write(c));

    /// <summary>
    /// Fills a new temporary folder beside <paramref name="folder"/> (<paramref name="fill"/> gets its path) that
    /// <see cref="Commit"/> renames to <paramref name="folder"/>, which must then be missing or empty (a rename cannot
    /// replace a folder with files), unless <paramref name="replace"/>: then an existing folder is first renamed aside,
    /// the new one renamed into place and the old one deleted, so a reader finds the old folder or the new one whole (the
    /// caller checks beforehand that the old one may go). <paramref name="failed"/> words an I/O error for the user.
    /// </summary>
    public void WriteFolder(string folder, Action<string> fill, Func<Exception, RetrainException> failed, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        RemoveOrphans(target);
        var staged = new Staged(TempPath(target), target, IsFolder: true, failed) { Replace = replace };
        try
        {
            Directory.CreateDirectory(staged.Temp);
            fill(staged.Temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(staged);
            throw failed(e);
        }
        catch
        {
            TryDelete(staged);
            throw;
        }

        _staged.Add(staged);
    }

    /// <summary>Renames everything staged into place, in the order it was staged.</summary>
    public void Commit()
    {
        for (; _committed < _staged.Count; _committed++)
        {
            var s = _staged[_committed];
            try
            {
                if (!s.IsFolder)
                {
                    File.Move(s.Temp, s.Target, overwrite: true);
                    continue;
                }

                if (s.Replace && Directory.Exists(s.Target))
                {
                    ReplaceFolder(s);
                    continue;
                }

                if (Directory.Exists(s.Target))
                {
                    Directory.Delete(s.Target); // must be empty; one with files fails here and is kept
                }

                Directory.Move(s.Temp, s.Target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw s.Failed(e);
            }
        }
    }

    /// <summary>Removes the temporaries of whatever was not committed.</summary>
    public void Dispose()
    {
        foreach (var s in _staged.Skip(_committed))
        {
            TryDelete(s);
        }

        _staged.Clear();
        _committed = 0;
    }

    /// <summary>
    /// Swaps a staged folder in for an existing one: the old one is renamed aside first, and deleted last. Its name
    /// aside is not a temporary's, so if the process dies between the two renames the orphan sweep never takes it: it
    /// is the user's previous output, to be renamed back by hand.
    /// </summary>
    private static void ReplaceFolder(Staged s)
    {
        var old = TempPath(s.Target, "old");
        Directory.Move(s.Target, old);
        try
        {
            Directory.Move(s.Temp, s.Target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Directory.Move(old, s.Target); // put the old one back: the run fails with its previous output intact
            throw;
        }

        TryDelete(s with { Temp = old });
    }

    /// <summary>
    /// Removes, once per process and target, the temporaries of <paramref name="target"/> that killed runs left beside
    /// it (a file, or a folder as big as a SavedModel). Only names of <see cref="TempPath"/>'s exact form that have not
    /// changed for <see cref="OrphanAge"/> go: a live run renames its temporary moments after writing it, so one that
    /// old has no owner, even one on another machine sharing the folder. Best effort: what cannot go stays.
    /// </summary>
    private static void RemoveOrphans(string target)
    {
        if (!Swept.TryAdd(target, 0))
        {
            return;
        }

        var prefix = $".{Path.GetFileName(target)}.tmp-";
        try
        {
            foreach (var entry in new DirectoryInfo(Path.GetDirectoryName(target)!).EnumerateFileSystemInfos(".*.tmp-*"))
            {
                if (!entry.Name.StartsWith(prefix, StringComparison.Ordinal)
                    || !TempSuffix().IsMatch(entry.Name.AsSpan(prefix.Length))
                    || DateTime.UtcNow - entry.LastWriteTimeUtc < OrphanAge)
                {
                    continue;
                }

                if (entry is DirectoryInfo folder && folder.LinkTarget is null)
                {
                    folder.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: an orphan that stays is never read as output.
        }
    }

    /// <summary>A hidden name beside <paramref name="target"/>: ".{name}.{kind}-{pid}-{guid}".</summary>
    private static string TempPath(string target, string kind = "tmp") =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{kind}-{Environment.ProcessId}-{Guid.NewGuid():N}");

    private static RetrainException FileFailed(string full, Exception e, string temp) => new(
        ExitCode.IoError,
        $"Cannot write '{full}': {IoErrorMessage.WithoutPath(e, temp)} Check that the folder exists, is writable and the disk is not full.",
        e);

    private static void WriteInto<TState>(string full, TState state, AtomicFile.ContentWriter<TState> writeContent)
        where TState : allows ref struct
    {
        try
        {
            using var stream = PathInspector.OpenSpecialForWriting(full);
            writeContent(stream, state);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot write '{full}': {IoErrorMessage.WithoutPath(e, full)}", e);
        }
    }

    private static void TryDelete(Staged s)
    {
        try
        {
            if (s.IsFolder)
            {
                if (Directory.Exists(s.Temp))
                {
                    Directory.Delete(s.Temp, recursive: true);
                }
            }
            else
            {
                File.Delete(s.Temp);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stray hidden temporary is harmless and is never read as output.
        }
    }

    private sealed record Staged(string Temp, string Target, bool IsFolder, Func<Exception, RetrainException> Failed)
    {
        /// <summary>A folder that replaces an existing one at commit instead of requiring it empty.</summary>
        public bool Replace { get; init; }
    }

    /// <summary>What <see cref="TempPath"/> puts after ".tmp-": a process id and a GUID in 32 hex digits.</summary>
    [GeneratedRegex("^[0-9]+-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TempSuffix();
}
