using Retrain.Errors;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// retrain.py's `maybe_download_and_extract`, made safe to interrupt and to run twice at once: under the model's lock,
/// download the archive to a temporary file, check its size and SHA-256 (published, or recorded by the first download),
/// unpack it into a temporary folder, and only then rename that folder into place and record the hashes. A cut,
/// stalled or corrupted download therefore leaves nothing that a later run would use, and the next run starts afresh.
/// A model that then fails to load has its record dropped again (<see cref="CachedModel.LoadFailed"/>).
/// </summary>
internal static class ModelFetcher
{
    /// <summary>Returns the model file of <paramref name="entry"/>, downloading it first unless it is already cached.</summary>
    public static CachedModel Fetch(CatalogEntry entry, ModelCache cache, ModelDownloadSettings settings, ILogger log, CancellationToken ct)
    {
        if (cache.FindCached(entry, log, ct) is { } cached)
        {
            return Found(entry, cache, cached, downloadedNow: false);
        }

        CreateRoot(cache);
        using var held = CacheLock.Acquire(cache.LockPath(entry), entry.Name, log, ct);

        // Whoever held the lock before us may just have downloaded it.
        if (cache.FindCached(entry, log, ct) is { } downloadedMeanwhile)
        {
            log.Information("Using {Path}, downloaded by another retrain process", downloadedMeanwhile);
            return Found(entry, cache, downloadedMeanwhile, downloadedNow: false);
        }

        var url = entry.ArchiveUrl(settings.BaseUrl);
        cache.RemoveLeftovers(entry, log);
        ClearEmptyModelFolder(entry, cache, url);
        log.Information("Model {Name} is not in the model cache {Root}; downloading it", entry.Name, cache.Root);

        var archive = cache.NewTempPath(entry, "download");
        var unpacked = cache.NewTempPath(entry, "extract");
        try
        {
            RetrainException Fail(string reason, Exception? cause) => DownloadFailed(entry, cache, url, reason, cause);
            var download = ArchiveDownloader.Download(url, archive, entry.ArchiveSize, settings.StallTimeout, Fail, log, settings.Progress, ct);
            var record = HashRecord.Read(cache.RecordPath(entry));
            var expected = entry.ArchiveSha256 ?? record.HashOf(entry.ArchiveFileName);
            if (expected is not null && !string.Equals(download.Sha256, expected, StringComparison.OrdinalIgnoreCase))
            {
                var mismatch = $"the archive's SHA-256 is {download.Sha256}, not {expected}";
                throw entry.ArchiveSha256 is not null
                    ? Fail($"{mismatch} (the published one): the file is damaged or was replaced", null)
                    : DownloadFailed(
                        entry,
                        cache,
                        url,
                        $"{mismatch} (the one recorded at the first download in '{record.Path}'): the file is damaged or was replaced",
                        null,
                        // Running again would meet the same record: only deleting it accepts another archive.
                        $"if the archive on the server was replaced on purpose, or the first download was damaged, delete '{record.Path}' and run again");
            }

            TgzExtractor.Extract(archive, unpacked, settings.MaxUnpackedBytes, Fail, ct);
            var model = Path.Combine(unpacked, entry.ModelFile.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(model))
            {
                throw Fail($"the archive does not contain {entry.ModelFile}", null);
            }

            var modelHash = HashRecord.HashFile(model, ct);
            ct.ThrowIfCancellationRequested();

            // Record first, then publish: a model folder in place always has its hashes recorded.
            HashRecord.Write(cache.RecordPath(entry), [(entry.ArchiveFileName, download.Sha256), (ModelCache.RecordedModelName(entry), modelHash)]);
            Publish(unpacked, cache.ModelFolder(entry));
            log.Information("Model {Name} unpacked into {Folder} (archive SHA-256 {Hash})", entry.Name, cache.ModelFolder(entry), download.Sha256);
            return Found(entry, cache, cache.ModelPath(entry), downloadedNow: true);
        }
        finally
        {
            ModelCache.DeleteQuietly(archive);
            ModelCache.DeleteQuietly(unpacked);
        }
    }

    /// <summary>What to do by hand when downloading is impossible (offline machines, blocked hosts).</summary>
    public static string ManualInstructions(CatalogEntry entry, ModelCache cache, Uri url) =>
        $"To install it by hand, download {entry.ArchiveFileName} from {url} and unpack it into '{cache.ModelFolder(entry)}{Path.DirectorySeparatorChar}' " +
        $"(so that '{cache.ModelPath(entry)}' exists), or pass --tfhub_module with the path of a frozen GraphDef you already have.";

    private static CachedModel Found(CatalogEntry entry, ModelCache cache, string path, bool downloadedNow) =>
        new(entry.Name, path, cache.ModelFolder(entry), cache.RecordPath(entry), downloadedNow);

    private static RetrainException DownloadFailed(
        CatalogEntry entry, ModelCache cache, Uri url, string reason, Exception? cause, string retry = "running again retries the download")
    {
        var message = $"Cannot download model '{entry.Name}' from {url}: {reason}. No partial download was kept in the model cache; " +
                      $"{retry}. {ManualInstructions(entry, cache, url)}";
        return cause is null
            ? new RetrainException(ExitCode.DownloadFailed, message)
            : new RetrainException(ExitCode.DownloadFailed, message, cause);
    }

    private static void CreateRoot(ModelCache cache)
    {
        try
        {
            Directory.CreateDirectory(cache.Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot create the model cache folder '{cache.Root}': {e.Message} Choose a writable folder with --model_dir or $RETRAIN_HOME.",
                e);
        }
    }

    // An empty model folder is what someone following the manual instructions may leave before placing the file; it
    // would block the rename. A folder with other files in it is somebody's, and is not deleted.
    private static void ClearEmptyModelFolder(CatalogEntry entry, ModelCache cache, Uri url)
    {
        var folder = cache.ModelFolder(entry);
        if (!Directory.Exists(folder))
        {
            return;
        }

        if (Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"The model cache folder '{folder}' exists but does not hold {entry.ModelFile}, so model '{entry.Name}' cannot be " +
                $"downloaded into it. Move the folder away and run again. " +
                ManualInstructions(entry, cache, url));
        }

        try
        {
            Directory.Delete(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot remove the empty folder '{folder}' to download into it: {e.Message} Delete it and run again.", e);
        }
    }

    private static void Publish(string unpacked, string folder)
    {
        try
        {
            Directory.Move(unpacked, folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot move the unpacked model into '{folder}': {e.Message} Make sure the model cache folder is writable.",
                e);
        }
    }
}
