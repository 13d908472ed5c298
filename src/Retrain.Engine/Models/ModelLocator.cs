using Retrain.Errors;
using Retrain.Graphs;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// Turns `--tfhub_module` / `--architecture` into a model file on disk. A TF Hub handle (http:// or https://) is taken
/// from tensorflow_hub's module cache ($TFHUB_CACHE_DIR) and downloaded there first if missing; a path to a file is
/// used as it is; a SavedModel folder (a Hub module among them) is used whole; another folder is searched for its one
/// model file; a catalogue name (inception_v3, mobilenet_...) is taken from the model cache
/// (`--model_dir`, else $RETRAIN_HOME, else ~/.cache/retrain) and downloaded there first if missing; any other bare
/// name must be a folder in that cache.
/// </summary>
internal static class ModelLocator
{
    public const string DefaultModel = "inception_v3";

    public const string HomeVariable = "RETRAIN_HOME";

    private static readonly string[] ModelExtensions = [".pb", ".onnx"];

    public static ResolvedModel Resolve(
        string? tfhubModule,
        string? architecture,
        string? modelDir,
        ModelDownloadSettings download,
        ILogger log,
        CancellationToken ct)
    {
        var requested = tfhubModule ?? architecture ?? DefaultModel;
        if (HubModuleDownload.IsHandle(requested))
        {
            if (!Uri.TryCreate(requested, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host))
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{(tfhubModule is not null ? Flags.TfhubModule : Flags.Architecture)} '{requested}' starts like a TF Hub handle but is not a valid URL. Give a handle such as " +
                    "https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1, or the path of a model file or folder.");
            }

            // retrain.py's hub.load_module_spec(handle): tensorflow_hub's cache first, else the compressed module.
            var module = new HubModuleDownload(requested, download.HubCacheDir ?? HubModuleDownload.DefaultRoot());
            var fetched = ModelFetcher.Fetch(module, download, log, ct);
            try
            {
                return SavedModelFolder(fetched.Path) with { Cached = fetched };
            }
            catch (RetrainException e) when (e.Code == ExitCode.BadModel)
            {
                // As for a module that fails to load later: no pinned hash, and the folder to delete is named.
                throw fetched.LoadFailed(e);
            }
        }

        if (File.Exists(requested))
        {
            return Recognised(requested);
        }

        if (SavedModelFile.IsSavedModel(requested))
        {
            return SavedModelFolder(requested);
        }

        if (Directory.Exists(requested))
        {
            // A SavedModel folder (a Keras export, a TF1 Hub module) is the model itself, variables and all.
            return Recognised(SavedModelFile.IsSavedModel(requested) ? requested : FindModelFile(requested, requested));
        }

        if (LooksLikePath(requested))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Model file '{requested}' not found. Pass {Flags.TfhubModule} with the path of a frozen GraphDef (.pb) or an ONNX model (.onnx).");
        }

        var cache = new ModelCache(modelDir ?? ModelCacheRoot(), isRetrainPyModelDir: modelDir is not null);
        if (ModelCatalog.TryFind(requested, out var entry))
        {
            var cached = ModelFetcher.Fetch(entry, cache, download, log, ct);
            return new ResolvedModel(cached.Path, entry.Defaults, entry.Name) { Cached = cached };
        }

        // A model the user placed in the cache under a name of their own.
        var custom = Path.Combine(cache.Root, requested);
        if (Directory.Exists(custom))
        {
            return Recognised(SavedModelFile.IsSavedModel(custom) ? custom : FindModelFile(custom, requested));
        }

        var flag = tfhubModule is not null ? Flags.TfhubModule : Flags.Architecture;
        throw ModelCatalog.UnknownName(requested, flag);
    }

    public static string ModelCacheRoot()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        return !string.IsNullOrEmpty(home)
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "retrain");
    }

    // A file laid out like a catalogue archive (".../mobilenet_v1_1.0_224_quantized_frozen/quantized_frozen_graph.pb")
    // gets that model's node names, which the graph alone does not always reveal (the quantized input is `Placeholder`).
    private static ResolvedModel Recognised(string path) =>
        ModelCatalog.FindByLayout(path) is { } entry
            ? new ResolvedModel(path, entry.Defaults, entry.Name)
            : new ResolvedModel(path, new ModelOverrides(), null);

    // The folder is the model (LoadedModel reads saved_model.pb and what lies beside it); a TF1 Hub module also says
    // how it is fed.
    private static ResolvedModel SavedModelFolder(string folder) =>
        HubModule.IsHubModule(folder)
            ? new ResolvedModel(folder, HubModule.Defaults(folder), null)
            : new ResolvedModel(folder, new ModelOverrides(), null);

    private static string FindModelFile(string dir, string requested)
    {
        var candidates = Directory.EnumerateFiles(dir)
            .Where(f => ModelExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

        if (candidates.Count == 0)
        {
            // A folder an archive was unpacked into (a model cache folder, retrain.py's --model_dir) has the graph one
            // level down, e.g. mobilenet_v1_1.0_224/frozen_graph.pb.
            candidates = ModelCatalog.All
                .Select(e => Path.Combine(dir, e.ModelFile.Replace('/', Path.DirectorySeparatorChar)))
                .Where(File.Exists)
                .ToList();
        }

        // A MobileNet folder holds both float and quantized graphs: the float one is the model, as in the archives.
        // Graphs in different subfolders are different models (a --model_dir retrain.py filled): never pick one.
        var oneFolder = candidates.Select(Path.GetDirectoryName).Distinct(StringComparer.Ordinal).Count() == 1;
        var preferred = oneFolder ? candidates.FirstOrDefault(f => Path.GetFileName(f) is "frozen_graph.pb" or "classify_image_graph_def.pb") : null;
        if (preferred is not null || candidates.Count == 1)
        {
            return preferred ?? candidates[0];
        }

        throw new RetrainException(
            ExitCode.BadModel,
            candidates.Count == 0
                ? $"Folder '{dir}' (for '{requested}') holds no .pb or .onnx model file. Pass the path of a frozen graph (.pb) or ONNX model, or a model name such as inception_v3."
                : $"Folder '{dir}' (for '{requested}') holds several models ({string.Join(", ", candidates.Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal))}); pass the path of the one to use.");
    }

    private static bool LooksLikePath(string value) =>
        value.Contains('/') || value.Contains('\\') || ModelExtensions.Any(e => value.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
