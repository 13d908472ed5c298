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
    public static CachedModel Fetch(CatalogEntry entry, ModelCache cache, ModelDownloadSettings settings, ILogger log, CancellationToken ct) =>
        Fetch(new CatalogDownload(entry, cache, settings.BaseUrl), settings, log, ct);

    /// <summary>Returns what <paramref name="target"/> names in its cache, downloading it first unless it is already there.</summary>
    public static CachedModel Fetch(DownloadTarget target, ModelDownloadSettings settings, ILogger log, CancellationToken ct)
    {
        if (target.FindCached(log, ct) is { } cached)
        {
            return Found(target, cached, downloadedNow: false);
        }

        CreateRoot(target);
        using var held = CacheLock.Acquire(target.LockPath, target.Name, target.RootChoice, log, ct);

        // Whoever held the lock before us may just have downloaded it.
        if (target.FindCached(log, ct) is { } downloadedMeanwhile)
        {
            log.Information("Using {Path}, downloaded by another retrain process", downloadedMeanwhile);
            return Found(target, downloadedMeanwhile, downloadedNow: false);
        }

        var url = target.Url;
        target.RemoveLeftovers(log);
        ClearEmptyModelFolder(target);
        log.Information("{What} is not in the cache {Root}; downloading it", Capitalized(target.Description), target.Root);

        var archive = target.NewTempPath("download");
        var unpacked = target.NewTempPath("extract");
        try
        {
            RetrainException Fail(string reason, Exception? cause) => DownloadFailed(target, reason, cause);
            var download = ArchiveDownloader.Download(
                url, archive, target.ArchiveSize, settings.StallTimeout, Fail, log, settings.Progress, ct, target.ProgressLabel);
            var record = HashRecord.Read(target.RecordPath);
            var expected = target.ArchiveSha256 ?? record.HashOf(target.RecordedArchiveName);
            if (expected is not null && !string.Equals(download.Sha256, expected, StringComparison.OrdinalIgnoreCase))
            {
                var mismatch = $"the archive's SHA-256 is {download.Sha256}, not {expected}";
                throw target.ArchiveSha256 is not null
                    ? Fail($"{mismatch} (the published one): the file is damaged or was replaced", null)
                    : DownloadFailed(
                        target,
                        $"{mismatch} (the one recorded at the first download in '{record.Path}'): the file is damaged or was replaced",
                        null,
                        // Running again would meet the same record: only deleting it accepts another archive.
                        $"if the archive on the server was replaced on purpose, or the first download was damaged, delete '{record.Path}' and run again");
            }

            TgzExtractor.Extract(archive, unpacked, settings.MaxUnpackedBytes, Fail, ct);
            var model = Path.Combine(unpacked, target.ModelFile.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(model))
            {
                throw Fail($"the archive does not contain {target.ModelFile}", null);
            }

            var modelHash = HashRecord.HashFile(model, ct);
            ct.ThrowIfCancellationRequested();

            // Record first, then publish: a model folder in place always has its hashes recorded.
            HashRecord.Write(target.RecordPath, [(target.RecordedArchiveName, download.Sha256), (target.RecordedModelName, modelHash)]);
            target.BeforePublish();
            Publish(unpacked, target);
            log.Information("{What} unpacked into {Folder} (archive SHA-256 {Hash})", Capitalized(target.Description), target.Folder, download.Sha256);
            return Found(target, target.PublishedPath, downloadedNow: true);
        }
        finally
        {
            ModelCache.DeleteQuietly(archive);
            ModelCache.DeleteQuietly(unpacked);
        }
    }

    private static CachedModel Found(DownloadTarget target, string path, bool downloadedNow) =>
        new(target.Name, path, target.Folder, target.RecordPath, downloadedNow);

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static RetrainException DownloadFailed(
        DownloadTarget target, string reason, Exception? cause, string retry = "running again retries the download")
    {
        var message = $"Cannot download {target.Description} from {target.Url}: {reason}. No partial download was kept in the cache " +
                      $"'{target.Root}'; {retry}. {target.ManualInstructions()}";
        return cause is null
            ? new RetrainException(ExitCode.DownloadFailed, message)
            : new RetrainException(ExitCode.DownloadFailed, message, cause);
    }

    private static void CreateRoot(DownloadTarget target)
    {
        try
        {
            Directory.CreateDirectory(target.Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot create the cache folder '{target.Root}': {e.Message} Choose a writable folder with {target.RootChoice}.",
                e);
        }
    }

    // An empty model folder is what someone following the manual instructions may leave before placing the file; it
    // would block the rename. A folder with other files in it is somebody's, and is not deleted.
    private static void ClearEmptyModelFolder(DownloadTarget target)
    {
        var folder = target.Folder;
        if (!Directory.Exists(folder))
        {
            return;
        }

        if (Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"The cache folder '{folder}' exists but does not hold {target.ModelFile}, so {target.Description} cannot be " +
                $"downloaded into it. Move the folder away and run again. " +
                target.ManualInstructions());
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

    private static void Publish(string unpacked, DownloadTarget target)
    {
        var folder = target.Folder;
        try
        {
            Directory.Move(unpacked, folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot move the unpacked download into '{folder}': {e.Message} Make sure the cache folder '{target.Root}' is writable.",
                e);
        }
    }
}
