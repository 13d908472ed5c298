using Retrain.Errors;

namespace Retrain.Graphs;

/// <summary>
/// Turns `--tfhub_module` / `--architecture` into a model file on disk. A path to a file is used as it is; a folder is
/// searched for its one model file; a model name is looked up in the local model cache (`--model_dir`, else
/// $RETRAIN_HOME, else ~/.cache/retrain).
/// </summary>
public static class ModelLocator
{
    public const string DefaultModel = "inception_v3";

    private static readonly string[] ModelExtensions = [".pb", ".onnx"];

    public static string Resolve(string? tfhubModule, string? architecture, string? modelDir)
    {
        var requested = tfhubModule ?? architecture ?? DefaultModel;
        if (File.Exists(requested))
        {
            return requested;
        }

        if (Directory.Exists(requested))
        {
            return FindModelFile(requested, requested);
        }

        if (LooksLikePath(requested))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Model file '{requested}' not found. Pass --tfhub_module with the path of a frozen GraphDef (.pb) or an ONNX model (.onnx).");
        }

        var cacheRoot = modelDir ?? ModelCacheRoot();
        var cached = Path.Combine(cacheRoot, requested);
        if (Directory.Exists(cached))
        {
            return FindModelFile(cached, requested);
        }

        var flag = tfhubModule is not null ? "--tfhub_module" : architecture is not null ? "--architecture" : "the default model";
        throw new RetrainException(
            ExitCode.BadModel,
            $"Model '{requested}' (from {flag}) is not in the local model cache '{cached}', and downloading models is not supported yet. " +
            $"Place its frozen graph in '{cached}/' or pass --tfhub_module PATH to a frozen GraphDef (.pb) or ONNX model, " +
            "e.g. --tfhub_module ../shared/models/mobilenet_v1_0.25_224/frozen_graph.pb.");
    }

    public static string ModelCacheRoot()
    {
        var home = Environment.GetEnvironmentVariable("RETRAIN_HOME");
        return !string.IsNullOrEmpty(home)
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "retrain");
    }

    private static string FindModelFile(string dir, string requested)
    {
        var candidates = Directory.EnumerateFiles(dir)
            .Where(f => ModelExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

        // A MobileNet folder holds both float and quantized graphs: the float one is the model, as in the archives.
        var preferred = candidates.FirstOrDefault(f => Path.GetFileName(f) is "frozen_graph.pb" or "classify_image_graph_def.pb");
        if (preferred is not null || candidates.Count == 1)
        {
            return preferred ?? candidates[0];
        }

        throw new RetrainException(
            ExitCode.BadModel,
            candidates.Count == 0
                ? $"Folder '{dir}' (for '{requested}') holds no .pb or .onnx model file."
                : $"Folder '{dir}' (for '{requested}') holds several model files ({string.Join(", ", candidates.Select(Path.GetFileName))}); pass the one to use.");
    }

    private static bool LooksLikePath(string value) =>
        value.Contains('/') || value.Contains('\\') || ModelExtensions.Any(e => value.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
