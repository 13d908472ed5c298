using System.Globalization;
using Retrain.Errors;
using Retrain.Progress;

namespace Retrain.Models;

/// <summary>
/// Where catalogue models are downloaded from and how long a silent connection is tolerated. Users with a mirror set
/// $RETRAIN_MODEL_BASE_URL (the archives' paths are appended to it, as under the official base URL) and can lengthen
/// the stall timeout with $RETRAIN_DOWNLOAD_TIMEOUT (seconds); tests pass values directly.
/// </summary>
public sealed record ModelDownloadSettings
{
    public const string BaseUrlVariable = "RETRAIN_MODEL_BASE_URL";
    public const string TimeoutVariable = "RETRAIN_DOWNLOAD_TIMEOUT";

    /// <summary>The default <see cref="MaxUnpackedBytes"/>: 4 GiB.</summary>
    public const long DefaultMaxUnpackedBytes = 4L << 30;

    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(30);

    private readonly Uri _baseUrl = new(ModelCatalog.OfficialBaseUrl);

    /// <summary>Folder URL the catalogue's archive paths are resolved against; a missing trailing '/' is added.</summary>
    public Uri BaseUrl
    {
        get => _baseUrl;
        init => _baseUrl = value.AbsoluteUri.EndsWith('/') ? value : new Uri(value.AbsoluteUri + "/");
    }

    /// <summary>
    /// A download fails when no byte arrives for this long (while connecting, waiting for the response or reading the
    /// body). A limit on the whole transfer would fail slow but healthy connections on a 90 MB archive.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = DefaultStallTimeout;

    /// <summary>
    /// The TF Hub module cache for handles; null = tensorflow_hub's rule, $TFHUB_CACHE_DIR or else
    /// &lt;temp&gt;/tfhub_modules (<see cref="HubModuleDownload.DefaultRoot()"/>). Tests pass a folder of their own.
    /// </summary>
    public string? HubCacheDir { get; init; }

    /// <summary>Gets the download's progress instead of its periodic log lines (a terminal's bar); null = log them.</summary>
    public IProgressSink? Progress { get; init; }

    /// <summary>
    /// Most bytes an archive may unpack to, all entries together (4 GiB; the largest catalogue model unpacks to about
    /// 100 MB): past it the archive is a compression bomb or not a model, and unpacking stops. Tests lower it.
    /// </summary>
    internal long MaxUnpackedBytes { get; init; } = DefaultMaxUnpackedBytes;

    public static ModelDownloadSettings FromEnvironment()
    {
        var settings = new ModelDownloadSettings();
        var baseUrl = Environment.GetEnvironmentVariable(BaseUrlVariable);
        if (!string.IsNullOrWhiteSpace(baseUrl))
        {
            if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"${BaseUrlVariable} is '{baseUrl}', which is not an http(s) URL. Set it to the folder URL of a mirror " +
                    $"holding the model archives (as under {ModelCatalog.OfficialBaseUrl}), or unset it.");
            }

            settings = settings with { BaseUrl = uri };
        }

        var timeout = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (!string.IsNullOrWhiteSpace(timeout))
        {
            if (!double.TryParse(timeout, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > 86_400)
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"${TimeoutVariable} is '{timeout}'; it must be a number of seconds above 0 and at most 86400 " +
                    $"(default {DefaultStallTimeout.TotalSeconds:0}). Fix or unset it.");
            }

            settings = settings with { StallTimeout = TimeSpan.FromSeconds(seconds) };
        }

        return settings;
    }
}
