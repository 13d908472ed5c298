namespace Retrain.Errors;

/// <summary>
/// Process exit codes shared by both commands. Numbers are part of the public contract (scripts test them), so
/// existing values never change meaning.
/// </summary>
public enum ExitCode
{
    Success = 0,

    /// <summary>An unexpected failure: a bug in retrain. The stack trace is printed.</summary>
    InternalError = 1,

    /// <summary>Bad command line: unknown flag, bad value, or a flag whose feature is not built yet.</summary>
    Usage = 2,

    /// <summary>The image folder cannot be trained on (missing, no classes, one class, nothing decodable).</summary>
    BadDataset = 3,

    /// <summary>The model cannot be used: unreadable file, unknown node names, unsupported op, wrong shapes.</summary>
    BadModel = 4,

    /// <summary>An image given to label-image cannot be read or decoded.</summary>
    BadImage = 5,

    /// <summary>A file or folder cannot be read or written (permissions, disk full, read-only location).</summary>
    IoError = 6,

    /// <summary>The requested device (e.g. CUDA) is not available in this build or on this machine.</summary>
    DeviceUnavailable = 7,

    /// <summary>A named model could not be downloaded (offline, HTTP error, stalled, damaged or refused archive).</summary>
    DownloadFailed = 8,

    /// <summary>Stopped by Ctrl+C / SIGTERM; completed work (cached bottlenecks) is kept.</summary>
    Cancelled = 130,
}
