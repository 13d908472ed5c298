using Retrain.Errors;

namespace Retrain.Models;

/// <summary>
/// A catalogue model taken from the model cache: its file, the folder it was unpacked into, its hash record, and
/// whether this run downloaded it. The record pins the archive for every later download, so it is kept only for a
/// model that loads (<see cref="LoadFailed"/>).
/// </summary>
/// <param name="Name">The catalogue name, e.g. mobilenet_1.0_224.</param>
internal sealed record CachedModel(string Name, string Path, string Folder, string RecordPath, bool DownloadedNow)
{
    /// <summary>
    /// The error for a model that would not load, saying what to delete to download it again. A record this run wrote
    /// is removed first: a damaged first download must not make the correct archive be refused forever.
    /// </summary>
    public RetrainException LoadFailed(RetrainException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (DownloadedNow)
        {
            ModelCache.DeleteQuietly(RecordPath);
        }

        // retrain.py's --model_dir layout keeps the file straight in the cache root: only the file is the model's.
        var inFolder = Path == Folder || Path.StartsWith(Folder + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);
        var delete = inFolder ? $"the folder '{Folder}'" : $"the file '{Path}'";
        if (!DownloadedNow && File.Exists(RecordPath))
        {
            delete += $" and its hash record '{RecordPath}'";
        }

        var origin = DownloadedNow ? "was downloaded just now" : "comes from the model cache";
        return new RetrainException(
            error.Code,
            $"{error.Message} The model file of '{Name}' {origin}: if it is damaged, delete {delete} and run again to download it again.",
            error);
    }
}
