using Microsoft.Win32.SafeHandles;
using Retrain.Errors;

namespace Retrain.Images;

/// <summary>Reads an image file's bytes into a pooled buffer, turning every I/O failure into a BadImage message.</summary>
internal static class EncodedImageFile
{
    /// <summary>Encoded files above 1 GiB are not photos; refusing them keeps one bad file from exhausting memory.</summary>
    internal const long MaxFileBytes = 1L << 30;

    public static PooledBytes Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw ImageErrors.Create(path, "the path is empty", "pass the path of a JPEG, PNG, BMP, GIF or WebP file");
        }

        if (Directory.Exists(path))
        {
            throw ImageErrors.Create(path, "it is a directory, not a file", "pass the path of an image file inside it");
        }

        // open(2) on a FIFO waits for a writer, forever if none comes; FIFOs and devices report a size of 0, so what
        // reports 0 is refused before it is opened. The size read after opening still guards what changes in between.
        if (SizeBeforeOpening(path) == 0)
        {
            throw ImageErrors.Create(
                path, "the file is empty (0 bytes), or is a pipe or device rather than a regular file", "re-copy or re-download it, or pass a regular image file");
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ImageErrors.Create(path, "the file does not exist", "check the path (relative paths start at the current directory)", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw ImageErrors.Create(path, "permission denied", "make the file readable by this user (chmod/chown)", e);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException)
        {
            throw ImageErrors.Create(path, $"it cannot be opened ({e.Message})", "check that the path names a readable regular file", e);
        }

        using (handle)
        {
            return ReadAll(handle, path);
        }
    }

    /// <summary>The size of the file the path finally names, or -1 when it cannot be told without opening it.</summary>
    private static long SizeBeforeOpening(string path)
    {
        try
        {
            var file = File.ResolveLinkTarget(path, returnFinalTarget: true) as FileInfo ?? new FileInfo(path);
            return file.Exists ? file.Length : -1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1; // a link loop or an unreadable folder: opening reports it properly
        }
    }

    private static PooledBytes ReadAll(SafeFileHandle handle, string path)
    {
        long length;
        try
        {
            length = RandomAccess.GetLength(handle);
        }
        catch (IOException e)
        {
            throw ImageErrors.Create(path, $"its size cannot be read ({e.Message})", "check that the path names a regular file", e);
        }

        if (length == 0)
        {
            throw ImageErrors.Create(path, "the file is empty (0 bytes)", "re-copy or re-download it, or delete it");
        }

        if (length > MaxFileBytes)
        {
            throw ImageErrors.Create(path, $"the file is {length / (1 << 20)} MiB, above the 1024 MiB limit for an encoded image",
                "downscale or re-encode it, or remove it");
        }

        var buffer = new PooledBytes((int)length);
        try
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer.Array.AsSpan(read, buffer.Length - read), read);
                if (n == 0)
                {
                    break; // the file shrank while we read it: decode what is there, the decoder judges completeness
                }

                read += n;
            }

            buffer.Truncate(read);
            return buffer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            buffer.Dispose();
            throw ImageErrors.Create(path, $"reading failed ({e.Message})", "check the disk and the file's permissions", e);
        }
    }
}
