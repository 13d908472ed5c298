using System.Formats.Tar;
using System.IO.Compression;
using Retrain.Errors;

namespace Retrain.Models;

/// <summary>
/// Unpacks a .tgz into an empty folder (retrain.py's `tarfile.open(path, 'r:gz').extractall(dir)`), but refuses what
/// extractall let through: entries with absolute paths or `..` that would write outside the folder, and links, which
/// could point anywhere. The model archives hold only plain files and folders. The files may add up to at most
/// <c>maxUnpackedBytes</c>: each entry's size is checked before it is written, so a compression bomb stops at the cap.
/// </summary>
internal static class TgzExtractor
{
    public static void Extract(string archive, string destination, long maxUnpackedBytes, DownloadFailure fail, CancellationToken ct)
    {
        var root = Path.GetFullPath(destination);
        try
        {
            Directory.CreateDirectory(root);
            using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            long unpacked = 0;
            while (tar.GetNextEntry() is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                if (entry.Length > maxUnpackedBytes - unpacked)
                {
                    throw fail(
                        $"it unpacks to more than {maxUnpackedBytes:N0} bytes (its entry '{entry.Name}' of {entry.Length:N0} bytes comes after " +
                        $"{unpacked:N0} bytes), far more than any model: it is not a model archive, and unpacking stopped there", null);
                }

                unpacked += entry.Length;
                ExtractEntry(entry, root, fail);
            }
        }
        catch (InvalidDataException e)
        {
            throw fail($"the archive is damaged or not a .tgz ({e.Message})", e);
        }
        catch (EndOfStreamException e)
        {
            throw fail($"the archive is truncated ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot unpack into '{root}': {e.Message} Make sure the cache folder is writable and the disk has room.",
                e);
        }
    }

    private static void ExtractEntry(TarEntry entry, string root, DownloadFailure fail)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.GlobalExtendedAttributes:
                return;
            case TarEntryType.Directory:
                Directory.CreateDirectory(SafePath(entry.Name, root, fail));
                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                var target = SafePath(entry.Name, root, fail);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using (var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    entry.DataStream?.CopyTo(output);
                }

                return;
            default:
                throw fail($"it holds '{entry.Name}', a {entry.EntryType} entry; only plain files and folders are unpacked", null);
        }
    }

    private static string SafePath(string name, string root, DownloadFailure fail)
    {
        var segments = name.Split('/', '\\');
        if (name.Length == 0 || Path.IsPathRooted(name) || name.StartsWith('/') || name.StartsWith('\\') || segments.Contains(".."))
        {
            throw fail($"it holds the entry '{name}', which would be written outside the model folder; the archive is refused", null);
        }

        var full = Path.GetFullPath(Path.Combine(root, name));
        if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw fail($"it holds the entry '{name}', which would be written outside the model folder; the archive is refused", null);
        }

        return full;
    }
}
