using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Retrain.Errors;

namespace Retrain.IO;

/// <summary>
/// The one way retrain reads a file the user gave or left in a folder (models, labels, checkpoints, cache packs,
/// retrain.py bottleneck files): only a regular file is read. open(2) on a FIFO waits for a writer for ever, deaf to
/// SIGINT and SIGTERM, and /dev/zero never ends, so what the path finally names (links followed) is checked before it
/// is opened; the open itself does not block; and the opened handle is checked again (fstat), so a path swapped for a
/// pipe or device in between is refused too. Reads are capped, so one huge file cannot exhaust memory.
/// Images have their own reader with their own messages (<see cref="Images.EncodedImageFile"/>).
/// </summary>
internal static class InputFile
{
    /// <summary>Without a smaller cap, the largest array .NET allocates: what File.ReadAllBytes allowed.</summary>
    public const long NoCap = 0x7FFFFFC7; // Array.MaxLength

    private const int NoSuchFile = 2; // ENOENT
    private const int NoPermission = 1; // EPERM
    private const int AccessDenied = 13; // EACCES
    private const int NotAFolder = 20; // ENOTDIR: a path component is a file

    /// <summary>Opens <paramref name="path"/> for reading when it is a regular file; otherwise null, saying why.</summary>
    public static SafeFileHandle? TryOpen(string path, out InputRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            refusal = new(InputRefusalKind.Missing, "the path is empty");
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            return TryOpenPortably(path, out refusal);
        }

        // Checked before opening: opening some devices already acts on them (a tape rewinds).
        if (PathInspector.KindForReading(path) is { Kind: not PathKind.RegularFile } before)
        {
            refusal = NotRegular(before.Name);
            return null;
        }

        var fd = PathInspector.OpenForReadingWithoutBlocking(path, out var errno);
        if (fd < 0)
        {
            refusal = errno switch
            {
                NoSuchFile or NotAFolder => new(InputRefusalKind.Missing, "it does not exist"),
                AccessDenied or NoPermission => new(InputRefusalKind.Denied, "permission denied"),
                _ => new(InputRefusalKind.Failed, $"it cannot be opened ({Marshal.GetPInvokeErrorMessage(errno)})"),
            };
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (PathInspector.KindOf(handle) is { Kind: not PathKind.RegularFile } opened)
        {
            handle.Dispose();
            refusal = NotRegular(opened.Name);
            return null;
        }

        refusal = default;
        return handle;
    }

    /// <summary>
    /// The whole of <paramref name="path"/> when it is a regular file of at most <paramref name="maxBytes"/> bytes;
    /// otherwise null, saying why.
    /// </summary>
    public static byte[]? TryReadAllBytes(string path, long maxBytes, out InputRefusal refusal)
    {
        using var handle = TryOpen(path, out refusal);
        if (handle is null)
        {
            return null;
        }

        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length > maxBytes)
            {
                refusal = TooLarge(length, maxBytes);
                return null;
            }

            // A regular file of size 0 may still hold bytes (/proc files): read those until the end, within the cap.
            return length > 0 ? ReadKnownLength(handle, length) : ReadToEnd(handle, maxBytes, out refusal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            refusal = new(InputRefusalKind.Failed, $"reading failed ({IoErrorMessage.WithoutPath(e, path).TrimEnd('.')})");
            return null;
        }
    }

    /// <summary>The whole file, or a <see cref="RetrainException"/> of <paramref name="role"/> naming it and saying why.</summary>
    public static byte[] ReadAllBytes(string path, InputRole role, long maxBytes = NoCap) =>
        TryReadAllBytes(path, maxBytes, out var refusal) ?? throw Refused(path, role, refusal);

    /// <summary>The whole file as text (UTF-8 unless a byte-order mark says otherwise, as File.ReadAllText reads it).</summary>
    public static string ReadAllText(string path, InputRole role, long maxBytes = NoCap) => Decode(ReadAllBytes(path, role, maxBytes));

    /// <summary>Text from bytes as File.ReadAllText decodes a file: UTF-8 unless a byte-order mark says otherwise.</summary>
    public static string Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>The user-facing error for a file <paramref name="role"/> could not read.</summary>
    public static RetrainException Refused(string path, InputRole role, InputRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(role);
        return new RetrainException(role.Code, $"Cannot read {role.What} '{path}': {refusal.Reason}. {role.Fix}");
    }

    /// <summary>A size for messages: "3.0 GiB", "16 MiB", "512 bytes".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };

    private static InputRefusal NotRegular(string kind) => new(InputRefusalKind.NotRegular, $"it is {kind}, not a regular file");

    private static InputRefusal TooLarge(long length, long maxBytes) =>
        new(InputRefusalKind.TooLarge, $"it is {Size(length)}, above the {Size(maxBytes)} limit");

    private static byte[] ReadKnownLength(SafeFileHandle handle, long length)
    {
        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
            if (n == 0)
            {
                return bytes[..read]; // it shrank while we read: what is there is the file now
            }

            read += n;
        }

        return bytes;
    }

    private static byte[]? ReadToEnd(SafeFileHandle handle, long maxBytes, out InputRefusal refusal)
    {
        refusal = default;
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        for (int n; (n = RandomAccess.Read(handle, chunk, buffer.Length)) > 0;)
        {
            if (buffer.Length + n > maxBytes)
            {
                refusal = TooLarge(buffer.Length + n, maxBytes);
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>Where the kernel cannot be asked (not Linux): folders are refused, and .NET's open reports the rest.</summary>
    private static SafeFileHandle? TryOpenPortably(string path, out InputRefusal refusal)
    {
        refusal = default;
        if (Directory.Exists(path))
        {
            refusal = NotRegular("a folder");
            return null;
        }

        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            refusal = new(InputRefusalKind.Missing, "it does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            refusal = new(InputRefusalKind.Denied, "permission denied");
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException)
        {
            refusal = new(InputRefusalKind.Failed, $"it cannot be opened ({IoErrorMessage.WithoutPath(e, path).TrimEnd('.')})");
        }

        return null;
    }
}
