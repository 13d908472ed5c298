using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.IO;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// A TF Hub handle (<c>https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1</c>, retrain.py's
/// <c>--tfhub_module</c>) in tensorflow_hub's module cache, laid out as tensorflow_hub's compressed-module resolver lays
/// it out, so that a cache retrain.py filled is used offline as it is and tensorflow_hub reads back what retrain fills:
/// <code>
///   &lt;root&gt;/&lt;sha1&gt;/                  the module: the archive's contents (saved_model.pb, variables/, ...)
///   &lt;root&gt;/&lt;sha1&gt;.descriptor.txt    which handle the folder holds (written for people; nothing reads it)
///   &lt;root&gt;/&lt;sha1&gt;.sha256            retrain's hash record (<see cref="HashRecord"/>)
///   &lt;root&gt;/&lt;sha1&gt;.retrain.lock      retrain's download lock (<see cref="CacheLock"/>)
/// </code>
/// where &lt;sha1&gt; is the hex SHA-1 of the handle's UTF-8 bytes, exactly as given. As for tensorflow_hub, a module
/// folder that exists and is not empty is the cached module.
/// </summary>
internal sealed class HubModuleDownload : DownloadTarget
{
    /// <summary>tensorflow_hub's cache folder variable.</summary>
    public const string CacheDirVariable = "TFHUB_CACHE_DIR";

    /// <summary>The folder under the system's temporary folder tensorflow_hub caches in when the variable is unset.</summary>
    public const string DefaultFolderName = "tfhub_modules";

    private readonly string _handle;
    private readonly string _stem;

    public HubModuleDownload(string handle, string root)
    {
        _handle = handle;
        _stem = FolderName(handle);
        Root = Path.GetFullPath(root);
    }

    public override string Description => $"TF Hub module '{_handle}'";

    public override string Name => _handle;

    /// <summary>tensorflow_hub's HttpCompressedFileResolver asks for the tar.gz with this query parameter.</summary>
    public override Uri Url => CompressedUrl(_handle);

    public override string Root { get; }

    public override string RootChoice => $"${CacheDirVariable}";

    public override string Folder => Path.Combine(Root, _stem);

    public override string ModelFile => SavedModelFile.FileName;

    public override string PublishedPath => Folder;

    public override string RecordPath => Path.Combine(Root, _stem + ".sha256");

    // Not tensorflow_hub's "<sha1>.lock": its lock is a file whose mere presence means "downloading", and CacheLock
    // leaves its file behind, which would make tensorflow_hub wait ten minutes for it after a failed download here.
    public override string LockPath => Path.Combine(Root, _stem + ".retrain.lock");

    public override string RecordedArchiveName => _stem + ".tar.gz";

    public override string RecordedModelName => _stem + "/" + SavedModelFile.FileName;

    public override string ProgressLabel => _handle[(_handle.IndexOf("://", StringComparison.Ordinal) + 3)..];

    public string DescriptorPath => Path.Combine(Root, _stem + ".descriptor.txt");

    protected override string TempStem => _stem;

    /// <summary>True for what tensorflow_hub resolves by downloading over HTTP(S): a handle starting with http:// or https://.</summary>
    public static bool IsHandle(string value) =>
        value.StartsWith("http://", StringComparison.Ordinal) || value.StartsWith("https://", StringComparison.Ordinal);

    /// <summary>The module's folder name in the cache: the hex SHA-1 of the handle (tensorflow_hub's naming).</summary>
    public static string FolderName(string handle) =>
#pragma warning disable CA5350 // SHA-1 names the folder as tensorflow_hub names it; it protects nothing.
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(handle)));
#pragma warning restore CA5350

    /// <summary>
    /// The handle with <c>tf-hub-format=compressed</c> added to its query, which makes tfhub.dev (and any server
    /// following tensorflow_hub's hosting protocol) answer with the module as a tar.gz.
    /// </summary>
    public static Uri CompressedUrl(string handle)
    {
        var builder = new UriBuilder(handle);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length == 0 ? string.Empty : query + "&") + "tf-hub-format=compressed";
        return builder.Uri;
    }

    /// <summary>
    /// tensorflow_hub's cache folder rule (its <c>tfhub_cache_dir(use_temp=True)</c>): $TFHUB_CACHE_DIR when set, else
    /// <c>tfhub_modules</c> in the system's temporary folder.
    /// </summary>
    public static string DefaultRoot(string? variable, string tempFolder) =>
        string.IsNullOrEmpty(variable) ? Path.Combine(tempFolder, DefaultFolderName) : variable;

    public static string DefaultRoot() => DefaultRoot(Environment.GetEnvironmentVariable(CacheDirVariable), Path.GetTempPath());

    public override string? FindCached(ILogger log, CancellationToken ct)
    {
        if (!Directory.Exists(Folder) || !Directory.EnumerateFileSystemEntries(Folder).Any())
        {
            return null;
        }

        if (!File.Exists(ModelPath))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"The module cache folder '{Folder}' of {Description} holds no {SavedModelFile.FileName}, so it is not a " +
                $"TensorFlow SavedModel or Hub module. Delete the folder (and '{DescriptorPath}') to download the module again.");
        }

        HashRecord.CheckCached(RecordPath, RecordedModelName, ModelPath, Folder, log, ct);
        log.Debug("{Handle} is cached in {Folder}", _handle, Folder);
        return Folder;
    }

    public override string ManualInstructions() =>
        $"To install it by hand, download {Url} (a .tar.gz) and unpack it into '{Folder}{Path.DirectorySeparatorChar}' " +
        $"(so that '{ModelPath}' exists), or pass {Flags.TfhubModule} with the path of a module folder you already have.";

    /// <summary>
    /// tensorflow_hub writes the descriptor beside the folder, never inside it, so the module's own files stay as
    /// published; it records which handle the SHA-1-named folder holds.
    /// </summary>
    public override void BeforePublish()
    {
        var now = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var text = $"Module: {_handle}\nDownload Time: {now}\nDownloader Hostname: {Dns.GetHostName()} (PID:{Environment.ProcessId})";
        try
        {
            AtomicFile.WriteAllText(DescriptorPath, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot write '{DescriptorPath}': {e.Message} Make sure the module cache folder '{Root}' is writable, or choose another with ${CacheDirVariable}.",
                e);
        }
    }
}
