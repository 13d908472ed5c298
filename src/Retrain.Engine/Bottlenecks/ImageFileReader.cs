using Retrain.Images;

namespace Retrain.Bottlenecks;

/// <summary>
/// Reads a listed image file for the bottleneck pipeline, refusing what cannot be a photo before opening it: a FIFO
/// named like a photo blocks open(2) until a writer appears (forever), a link to /dev/zero never reaches its end, and
/// a multi-gigabyte file would cost its size in memory on every decode worker. FIFOs and character devices report a
/// size of 0, so the size alone tells them apart from a photo without opening them.
/// </summary>
internal static class ImageFileReader
{
    /// <summary>The file's bytes, or null and the reason it is skipped (worded for "Skipping PATH: REASON").</summary>
    public static async Task<(byte[]? Bytes, string? Failure)> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            // FileInfo describes a symbolic link itself; the size that matters is the final target's.
            var length = (File.ResolveLinkTarget(path, returnFinalTarget: true) ?? new FileInfo(path)) is FileInfo file ? file.Length : 0;
            if (length == 0)
            {
                return (null, "the file is empty (0 bytes), or is a pipe or device rather than a regular file. Fix: re-copy it or remove it");
            }

            if (length > EncodedImageFile.MaxFileBytes)
            {
                return (null, $"the file is {length >> 20} MiB, above the {EncodedImageFile.MaxFileBytes >> 20} MiB limit for an encoded image. Fix: downscale it or remove it");
            }

            return (await File.ReadAllBytesAsync(path, ct), null);
        }
        catch (UnauthorizedAccessException)
        {
            return (null, "permission denied. Fix: make it readable by this user (chmod/chown) or remove it");
        }
        catch (IOException e)
        {
            return (null, $"it cannot be read ({e.Message}). Fix: check the file and the disk, or remove it");
        }
    }
}
