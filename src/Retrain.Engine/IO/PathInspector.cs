using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using Retrain.Errors;

namespace Retrain.IO;

/// <summary>
/// What the kernel says about an output path, which .NET does not tell: FileInfo calls /dev/null a "Normal" file (and
/// renaming a temporary file over it, as root, replaces the machine's /dev/null), and it resolves a relative link
/// against the link's path as written rather than the folder it really is in. On Linux this asks statx (whose layout
/// is the same on every architecture), realpath and open directly; elsewhere every existing non-folder is a regular
/// file and links are replaced, the behaviour before these checks.
/// </summary>
internal static partial class PathInspector
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxUid = 0x8;
    private const int TypeMask = 0xF000;
    private const int Regular = 0x8000;
    private const int Folder = 0x4000;
    private const int Link = 0xA000;
    private const int Fifo = 0x1000;
    private const int CharacterDevice = 0x2000;
    private const int BlockDevice = 0x6000;
    private const int Socket = 0xC000;
    private const int AtEmptyPath = 0x1000;

    // statx's buffer is 256 bytes: stx_uid is the 32-bit field at offset 20, stx_mode the 16-bit one at 28.
    private const int StatxSize = 256;
    private const int UidOffset = 20;
    private const int ModeOffset = 28;

    // open(2) flags, the same on x86-64 and arm64 (asm-generic).
    private const int OReadOnly = 0x0;
    private const int OWriteOnly = 0x1;
    private const int ONoControllingTerminal = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloseOnExec = 0x80000;
    private const int FGetDescriptorFlags = 1;
    private const int FGetFlags = 3;
    private const int FDuplicateCloseOnExec = 1030;
    private const int MaxLinkHops = 40; // the kernel's own limit (MAXSYMLINKS)
    private const int FSetFlags = 4;
    private const int NoReader = 6; // ENXIO: a FIFO opened without blocking has no reader

    /// <summary>
    /// The kind of <paramref name="path"/>, following symbolic links as the kernel does. A name for one of this
    /// process's open descriptors (/dev/stdout) is <see cref="PathKind.Special"/> whatever it refers to: with the log
    /// redirected to a file, replacing that file would throw the log away.
    /// </summary>
    public static PathKind Of(string path)
    {
        if (DescriptorOf(path) is not null)
        {
            return PathKind.Special;
        }

        if (Directory.Exists(path))
        {
            return PathKind.Directory;
        }

        if (!File.Exists(path) && !IsLinkTo(path))
        {
            return PathKind.Missing;
        }

        if (!OperatingSystem.IsLinux() || Stat(path, follow: true) is not { } stat)
        {
            return File.Exists(path) ? PathKind.RegularFile : PathKind.Missing;
        }

        return KindOf(stat.Mode);
    }

    /// <summary>
    /// The kind of what <paramref name="path"/> finally names (links followed), with a name for the message when it is
    /// not a regular file ("a named pipe (FIFO)"); null when the kernel cannot tell (missing, no permission, a link
    /// loop, or not Linux): opening the path then says why.
    /// </summary>
    public static (PathKind Kind, string Name)? KindForReading(string path) =>
        OperatingSystem.IsLinux() && Stat(path, follow: true) is { } stat ? (KindOf(stat.Mode), NameOf(stat.Mode)) : null;

    /// <summary>
    /// The kind of the file an open handle refers to (fstat): what was opened, even if the path was replaced by a
    /// pipe or device between the check and the open. Null when the kernel cannot tell (not Linux).
    /// </summary>
    public static (PathKind Kind, string Name)? KindOf(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        int mode;

        // The handle stays referenced while the kernel reads its number.
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Stat((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath) is not { } stat)
            {
                return null;
            }

            mode = stat.Mode;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return (KindOf(mode), NameOf(mode));
    }

    /// <summary>
    /// Opens <paramref name="path"/> read-only without blocking: open(2) on a FIFO otherwise waits for a writer for ever,
    /// deaf to SIGINT and SIGTERM. Returns the descriptor, or -1 with <paramref name="errno"/> set. O_NONBLOCK is
    /// ignored for the regular files a caller keeps; O_NOCTTY keeps a terminal swapped in from becoming ours.
    /// </summary>
    public static int OpenForReadingWithoutBlocking(string path, out int errno)
    {
        var fd = Open(path, OReadOnly | ONonBlock | ONoControllingTerminal | OCloseOnExec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    private static PathKind KindOf(int mode) => (mode & TypeMask) switch
    {
        Regular => PathKind.RegularFile,
        Folder => PathKind.Directory,
        _ => PathKind.Special,
    };

    private static string NameOf(int mode) => (mode & TypeMask) switch
    {
        Regular => "a regular file",
        Folder => "a folder",
        Fifo => "a named pipe (FIFO)",
        CharacterDevice => "a character device",
        BlockDevice => "a block device",
        Socket => "a socket",
        _ => "a special file",
    };

    /// <summary>
    /// Where writing a regular-file output at <paramref name="path"/> should land. A symbolic link of the user's own
    /// is kept and the file it points to is replaced, as an editor does. A link someone else owns is not followed: in a
    /// shared, sticky /tmp that would let another user aim retrain's output at any file of this user's; renaming over
    /// such a link fails there instead, and is harmless elsewhere. A link to a file not written yet creates it, as
    /// open(2) would; one to a missing folder, to another dangling link or in a loop is replaced by the file.
    /// </summary>
    public static string WriteTarget(string path)
    {
        var full = Path.GetFullPath(path);
        if (!OperatingSystem.IsLinux() || Stat(full, follow: false) is not { } link || (link.Mode & TypeMask) != Link)
        {
            return full;
        }

        if (link.Uid != GetEffectiveUserId())
        {
            return full;
        }

        if (RealPath(full) is { } real)
        {
            return real;
        }

        // A link to a file not written yet: create it where the link points, in a folder that exists.
        var pointsTo = new FileInfo(full).LinkTarget;
        var linkFolder = RealPath(Path.GetDirectoryName(full)!);
        if (pointsTo is null || linkFolder is null)
        {
            return full;
        }

        var target = Path.GetFullPath(pointsTo, linkFolder);
        var targetFolder = RealPath(Path.GetDirectoryName(target)!);
        return targetFolder is null || new FileInfo(target).LinkTarget is not null
            ? full
            : Path.Combine(targetFolder, Path.GetFileName(target));
    }

    /// <summary>
    /// <paramref name="path"/> with every folder on the way resolved as the kernel resolves it (realpath of the
    /// nearest part that exists, the rest appended), so two spellings of one place compare equal. The last part is
    /// resolved too when it exists: for an input, the folder or file really read.
    /// </summary>
    public static string Canonical(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!OperatingSystem.IsLinux())
        {
            return full;
        }

        if (RealPath(full) is { } real)
        {
            return real;
        }

        var parent = Path.GetDirectoryName(full);
        return parent is null ? full : Path.Combine(Canonical(parent), Path.GetFileName(full));
    }

    /// <summary>
    /// The user id owning <paramref name="path"/> itself (a link is not followed); null when it does not exist or the
    /// system cannot say (not Linux, no statx).
    /// </summary>
    public static uint? OwnerOf(string path) =>
        OperatingSystem.IsLinux() && Stat(Path.GetFullPath(path), follow: false) is { } stat ? stat.Uid : null;

    /// <summary>The user this process acts as for file access (geteuid).</summary>
    public static uint EffectiveUserId => GetEffectiveUserId();

    /// <summary>
    /// The number of this process's open descriptor that <paramref name="path"/> names (/dev/stdout, /dev/fd/N,
    /// /proc/self/fd/N, or a link to one of them); null for any other path, a descriptor not open, or not Linux.
    /// </summary>
    public static int? DescriptorOf(string path)
    {
        if (!OperatingSystem.IsLinux() || string.IsNullOrEmpty(path))
        {
            return null;
        }

        var current = Path.GetFullPath(path);
        for (var hop = 0; hop < MaxLinkHops; hop++)
        {
            var match = DescriptorPath().Match(current);
            if (match.Success)
            {
                if (match.Groups["pid"].Success && match.Groups["pid"].Value != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
                {
                    return null;
                }

                return int.TryParse(match.Groups["fd"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && Fcntl(fd, FGetDescriptorFlags, 0) >= 0
                    ? fd
                    : null;
            }

            if (Stat(current, follow: false) is not { } stat || (stat.Mode & TypeMask) != Link || new FileInfo(current).LinkTarget is not { } target)
            {
                return null;
            }

            current = Path.GetFullPath(target, Path.GetDirectoryName(current)!);
        }

        return null;
    }

    /// <summary>
    /// Opens a device or pipe for writing. A named pipe nobody reads would block the open for ever (after the whole
    /// training run), so it is opened without blocking and refused when it has no reader.
    /// </summary>
    public static Stream OpenSpecialForWriting(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        }

        if (DescriptorOf(path) is { } open && Stat(open, string.Empty, AtEmptyPath) is { } described && (described.Mode & TypeMask) == Regular)
        {
            // A file the process writes (the log, redirected): through the descriptor itself, not a new open of the
            // file, so the bytes land where the log has got to and move it on. A pipe or terminal is opened anew as
            // below, which also gives blocking writes where the shared descriptor may be non-blocking.
            var copy = Fcntl(open, FDuplicateCloseOnExec, 0);
            return copy >= 0
                ? new DescriptorStream(new SafeFileHandle(copy, ownsHandle: true))
                : throw new RetrainException(ExitCode.IoError, $"Cannot write '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }

        var fd = Open(path, OWriteOnly | ONonBlock | OCloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new RetrainException(
                ExitCode.IoError,
                errno == NoReader
                    ? $"Cannot write '{path}': it is a named pipe and nothing is reading it. Start the reader first, or give a file path."
                    : $"Cannot write '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // Back to blocking writes: a reader slower than us must slow us down, not fail the write.
            var flags = Fcntl(fd, FGetFlags, 0);
            if (flags < 0 || Fcntl(fd, FSetFlags, flags & ~ONonBlock) < 0)
            {
                throw new RetrainException(ExitCode.IoError, $"Cannot write '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
            }

            return new FileStream(handle, FileAccess.Write, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static bool IsLinkTo(string path) => new FileInfo(path).LinkTarget is not null;

    private static (int Mode, uint Uid)? Stat(string path, bool follow) => Stat(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow);

    private static (int Mode, uint Uid)? Stat(int dirFd, string path, int flags)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        try
        {
            if (Statx(dirFd, path, flags, StatxType | StatxUid, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return null;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without statx (glibc before 2.28, musl before 1.2.5).
            return null;
        }

        return (BitConverter.ToUInt16(buffer.Slice(ModeOffset, 2)), BitConverter.ToUInt32(buffer.Slice(UidOffset, 4)));
    }

    private static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [GeneratedRegex(@"^/(?:dev/fd|proc/(?:self|thread-self|(?<pid>[0-9]+))/fd)/(?<fd>[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex DescriptorPath();
}
