using Serilog;

namespace Retrain.Models;

/// <summary>
/// The folder catalogue models are downloaded into (`--model_dir`, else $RETRAIN_HOME, else ~/.cache/retrain):
/// <code>
///   &lt;root&gt;/&lt;name&gt;/...          the archive's contents, e.g. inception_v3/classify_image_graph_def.pb
///   &lt;root&gt;/&lt;name&gt;.sha256       hashes recorded at the first download (<see cref="HashRecord"/>)
///   &lt;root&gt;/&lt;name&gt;.lock         held while one process downloads that model
///   &lt;root&gt;/.&lt;name&gt;.download-*   a download in progress; .&lt;name&gt;.extract-* an archive being unpacked
/// </code>
/// A model folder only ever appears complete (it is unpacked elsewhere and renamed into place), so "folder holds the
/// model file" means "cached".
/// </summary>
internal sealed class ModelCache
{
    /// <param name="root">The cache folder.</param>
    /// <param name="isRetrainPyModelDir">
    /// True when the user gave --model_dir: retrain.py unpacked its archives straight into that folder, so
    /// `&lt;model_dir&gt;/classify_image_graph_def.pb` from an old retrain.py run is reused as it is.
    /// </param>
    public ModelCache(string root, bool isRetrainPyModelDir)
    {
        Root = Path.GetFullPath(root);
        IsRetrainPyModelDir = isRetrainPyModelDir;
    }

    public string Root { get; }

    public bool IsRetrainPyModelDir { get; }

    public string ModelFolder(CatalogEntry entry) => Path.Combine(Root, entry.Name);

    public string ModelPath(CatalogEntry entry) => Path.Combine(ModelFolder(entry), Native(entry.ModelFile));

    public string RecordPath(CatalogEntry entry) => Path.Combine(Root, entry.Name + ".sha256");

    public string LockPath(CatalogEntry entry) => Path.Combine(Root, entry.Name + ".lock");

    /// <summary>The model file's path relative to the root, as the hash record names it.</summary>
    public static string RecordedModelName(CatalogEntry entry) => entry.Name + "/" + entry.ModelFile;

    /// <summary>
    /// The cached model file of <paramref name="entry"/>, checked against its recorded hash, or null when it is not
    /// here. Also accepts the file placed by hand straight in the model folder, and retrain.py's own layout in --model_dir.
    /// </summary>
    public string? FindCached(CatalogEntry entry, ILogger log, CancellationToken ct)
    {
        var unpacked = ModelPath(entry);
        if (File.Exists(unpacked))
        {
            HashRecord.CheckCached(RecordPath(entry), RecordedModelName(entry), unpacked, ModelFolder(entry), log, ct);
            return unpacked;
        }

        var flat = Path.Combine(ModelFolder(entry), Path.GetFileName(Native(entry.ModelFile)));
        if (File.Exists(flat))
        {
            return flat;
        }

        var retrainPy = Path.Combine(Root, Native(entry.ModelFile));
        return IsRetrainPyModelDir && File.Exists(retrainPy) ? retrainPy : null;
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover is never used (its name marks it temporary) and the next download of this model removes it.
        }
    }

    private static string Native(string relative) => relative.Replace('/', Path.DirectorySeparatorChar);
}
