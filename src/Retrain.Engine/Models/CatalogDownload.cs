using Retrain.Errors;
using Serilog;

namespace Retrain.Models;

/// <summary>A catalogue model (retrain.py's `maybe_download_and_extract`) as <see cref="ModelCache"/> lays it out.</summary>
internal sealed class CatalogDownload(CatalogEntry entry, ModelCache cache, Uri baseUrl) : DownloadTarget
{
    public CatalogEntry Entry => entry;

    public override string Description => $"model '{entry.Name}'";

    public override string Name => entry.Name;

    public override Uri Url => entry.ArchiveUrl(baseUrl);

    public override string Root => cache.Root;

    public override string RootChoice => $"{Flags.ModelDir} or ${ModelLocator.HomeVariable}";

    public override string Folder => cache.ModelFolder(entry);

    public override string ModelFile => entry.ModelFile;

    public override string RecordPath => cache.RecordPath(entry);

    public override string LockPath => cache.LockPath(entry);

    public override string RecordedArchiveName => entry.ArchiveFileName;

    public override string RecordedModelName => ModelCache.RecordedModelName(entry);

    public override long? ArchiveSize => entry.ArchiveSize;

    public override string? ArchiveSha256 => entry.ArchiveSha256;

    protected override string TempStem => entry.Name;

    public override string? FindCached(ILogger log, CancellationToken ct) => cache.FindCached(entry, log, ct);

    public override string ManualInstructions() =>
        $"To install it by hand, download {entry.ArchiveFileName} from {Url} and unpack it into '{Folder}{Path.DirectorySeparatorChar}' " +
        $"(so that '{ModelPath}' exists), or pass {Flags.TfhubModule} with the path of a frozen GraphDef you already have.";
}
