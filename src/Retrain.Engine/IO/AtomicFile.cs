namespace Retrain.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new one, never a torn file: the bytes go
/// to a temporary file in the same folder (same filesystem, so the rename is atomic), are flushed to disk, and only
/// then renamed over the destination. A process killed mid-write leaves at most a stray hidden ".*.tmp-*" file.
/// A symbolic link is kept and its target replaced; a device or pipe (/dev/null, a FIFO) is written into, since
/// renaming over it would replace the device itself; a folder is refused.
/// </summary>
internal static class AtomicFile
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

    /// <summary>Writes one file as an <see cref="OutputTransaction"/> of its own.</summary>
    public static void Write<TState>(string path, TState state, ContentWriter<TState> writeContent, bool flushToDisk = true)
        where TState : allows ref struct
    {
        using var transaction = new OutputTransaction();
        transaction.Write(path, state, writeContent, flushToDisk);
        transaction.Commit();
    }
}
