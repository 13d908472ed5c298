using Retrain.Errors;

namespace Retrain.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new one, never a torn file: the bytes go
/// to a temporary file in the same folder (same filesystem, so the rename is atomic), are flushed to disk, and only
/// then renamed over the destination. A process killed mid-write leaves at most a stray hidden ".*.tmp-*" file.
/// A symbolic link is kept and its target replaced; a device or pipe (/dev/null, a FIFO) is written into, since
/// renaming over it would replace the device itself; a folder is refused.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content) => Write(path, content, static (s, c) => s.Write(c));

    /// <summary>
    /// Like <see cref="Write(string, ReadOnlySpan{byte})"/>; <paramref name="flushToDisk"/> false skips the fsync, for
    /// files whose readers verify them anyway (a checksummed cache entry torn by a power cut is detected and rebuilt),
    /// where the fsync would cost milliseconds per file.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> content, bool flushToDisk) =>
        Write(path, content, static (s, c) => s.Write(c), flushToDisk);

    public static void WriteAllText(string path, string text) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(text));

    public delegate void ContentWriter<TState>(Stream stream, TState state)
        where TState : allows ref struct;

    public static void Write<TState>(string path, TState state, ContentWriter<TState> writeContent, bool flushToDisk = true)
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
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(dir);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(stream, state);
                stream.Flush(flushToDisk);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot write '{full}': {IoErrorMessage.WithoutPath(e, temp)} Check that the folder exists, is writable and the disk is not full.",
                e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void WriteInto<TState>(string full, TState state, ContentWriter<TState> writeContent)
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

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temp file is harmless and is never read as output.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
