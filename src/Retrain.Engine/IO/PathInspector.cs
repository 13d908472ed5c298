using System.Runtime.InteropServices;

namespace Retrain.IO;

/// <summary>What a path names, as far as writing an output there is concerned.</summary>
internal enum PathKind
{
    Missing,
    RegularFile,
    Directory,

    /// <summary>A character or block device, a FIFO or a socket (/dev/null, a named pipe): written into, never replaced.</summary>
    Special,
}

/// <summary>
/// Tells regular files from devices and pipes, which .NET does not: FileInfo calls /dev/null a "Normal" file, and
/// renaming a temporary file over it (as root) replaces the machine's /dev/null with a regular file. On Linux the type
/// comes from statx, whose layout is the same on every architecture; elsewhere every existing non-folder counts as a
/// regular file, the behaviour before this check.
/// </summary>
internal static partial class PathInspector
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;
    private const int Folder = 0x4000;

    // statx's buffer is 256 bytes; the mode is the 16-bit field at offset 28.
    private const int StatxSize = 256;
    private const int ModeOffset = 28;

    /// <summary>The kind of <paramref name="path"/>, following symbolic links.</summary>
    public static PathKind Of(string path)
    {
        if (Directory.Exists(path))
        {
            return PathKind.Directory;
        }

        if (!File.Exists(path))
        {
            return PathKind.Missing;
        }

        if (!OperatingSystem.IsLinux())
        {
            return PathKind.RegularFile;
        }

        Span<byte> buffer = stackalloc byte[StatxSize];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without statx (glibc before 2.28, musl before 1.2.5).
            return PathKind.RegularFile;
        }

        if (result != 0)
        {
            return PathKind.RegularFile;
        }

        var mode = BitConverter.ToUInt16(buffer.Slice(ModeOffset, 2)) & TypeMask;
        return mode switch
        {
            Regular => PathKind.RegularFile,
            Folder => PathKind.Directory,
            _ => PathKind.Special,
        };
    }

    /// <summary>
    /// Where writing <paramref name="path"/> lands: the final target when it is a symbolic link (so the link is kept
    /// and what it points to is updated, as any editor does), else the full path itself.
    /// </summary>
    public static string WriteTarget(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            // A link loop: writing fails later with a message naming the path.
            return full;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);
}
