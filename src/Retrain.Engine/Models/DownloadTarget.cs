using Serilog;

namespace Retrain.Models;

/// <summary>
/// One archive <see cref="ModelFetcher"/> downloads and unpacks into a cache folder, and how that cache lays it out:
/// a catalogue model in retrain's model cache (<see cref="CatalogDownload"/>) or a TF Hub module in tensorflow_hub's
/// module cache (<see cref="HubModuleDownload"/>). The fetcher's rules (lock, temporary files, size and hash checks,
/// publish by rename) are the same for both; what differs is named here.
/// </summary>
internal abstract class DownloadTarget
{
    /// <summary>What the user asked for, as messages name it: "model 'inception_v3'", "TF Hub module 'https://...'".</summary>
    public abstract string Description { get; }

    /// <summary>The short name logged while waiting for the lock and kept in <see cref="CachedModel.Name"/>.</summary>
    public abstract string Name { get; }

    public abstract Uri Url { get; }

    /// <summary>The cache folder; created when missing.</summary>
    public abstract string Root { get; }

    /// <summary>How the user chooses another cache folder, for messages about an unwritable one.</summary>
    public abstract string RootChoice { get; }

    /// <summary>The folder the archive's contents appear in, complete or not at all.</summary>
    public abstract string Folder { get; }

    /// <summary>The file the archive must hold, relative to <see cref="Folder"/>, with '/' separators.</summary>
    public abstract string ModelFile { get; }

    public string ModelPath => Path.Combine(Folder, ModelFile.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>What a fresh download hands on to be loaded: the model file, or the whole folder.</summary>
    public virtual string PublishedPath => ModelPath;

    public abstract string RecordPath { get; }

    public abstract string LockPath { get; }

    /// <summary>How the hash record names the archive and the model file (paths relative to <see cref="Root"/>).</summary>
    public abstract string RecordedArchiveName { get; }

    public abstract string RecordedModelName { get; }

    /// <summary>The archive's published size and SHA-256; null where none was published.</summary>
    public virtual long? ArchiveSize => null;

    public virtual string? ArchiveSha256 => null;

    /// <summary>The download's name on the progress bar and in its log lines.</summary>
    public virtual string ProgressLabel => Path.GetFileName(Url.AbsolutePath);

    /// <summary>The stem of this target's temporary files: <c>.&lt;stem&gt;.download-*</c>, <c>.&lt;stem&gt;.extract-*</c>.</summary>
    protected abstract string TempStem { get; }

    /// <summary>The path of what is to be used when it is already cached (checked against its record), else null.</summary>
    public abstract string? FindCached(ILogger log, CancellationToken ct);

    /// <summary>What to do by hand when downloading is impossible (offline machines, blocked hosts).</summary>
    public abstract string ManualInstructions();

    /// <summary>Called with the lock held, once the unpacked folder is complete and just before it is renamed into place.</summary>
    public virtual void BeforePublish()
    {
    }

    public string NewTempPath(string kind) =>
        Path.Combine(Root, $".{TempStem}.{kind}-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>
    /// Deletes what a killed download of this target left behind. Only called while holding its lock, so no live
    /// download owns these files.
    /// </summary>
    public void RemoveLeftovers(ILogger log)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var kind in new[] { "download", "extract" })
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(Root, $".{TempStem}.{kind}-*"))
            {
                log.Debug("Removing {Path}, left by an interrupted download", path);
                ModelCache.DeleteQuietly(path);
            }
        }
    }
}
