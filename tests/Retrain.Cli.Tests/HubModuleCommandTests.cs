using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// retrain.py's habit, on the real command: `TFHUB_CACHE_DIR=... retrain --tfhub_module https://tfhub.dev/...` with the
/// module already in tensorflow_hub's cache runs offline, with no model flags, as retrain.py did.
/// </summary>
public sealed class HubModuleCommandTests : IDisposable
{
    private const string Handle = "https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1";

    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void AHandleInTfhubCacheDir_IsUsedOffline_WithTheModulesDefaults()
    {
        var cache = Path.Combine(_work.Path, "module_cache");
        // hashlib.sha1(handle.encode("utf8")).hexdigest(), the folder tensorflow_hub made for this handle.
        TinyHubModule.Write(Path.Combine(cache, "11d9faf945d073033780fd924b2b09ff42155763"));
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 6, classes: ["red", "blue"]);
        var outputGraph = Path.Combine(_work.Path, "out", "output_graph.pb");

        using var retrain = RetrainProcess.Start(
            RetrainProcess.RetrainDll,
            [
                "--image_dir", imageDir, "--tfhub_module", Handle, "--how_many_training_steps", "5",
                "--bottleneck_dir", Path.Combine(_work.Path, "bottlenecks"),
                "--output_graph", outputGraph, "--output_labels", Path.Combine(_work.Path, "out", "output_labels.txt"),
            ],
            null,
            asUserWithoutOverride: false,
            new Dictionary<string, string> { ["TFHUB_CACHE_DIR"] = cache });
        var code = retrain.WaitForExit();

        Assert.True(code == 0, $"exit {code}:\n{retrain.Log}");
        Assert.Contains("mean 0, std 255", retrain.Log, StringComparison.Ordinal);
        Assert.True(File.Exists(outputGraph));
    }
}
