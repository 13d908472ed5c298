using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>
/// How --tfhub_module / --architecture / --model_dir turn into a model file without downloading: paths, folders, the
/// cache layouts (ours, files placed by hand, retrain.py's --model_dir) and the recorded hash check. Every test points
/// downloads at a closed local port, so an unexpected download fails instead of reaching the network.
/// </summary>
public sealed class ModelLocatorTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly LogCapture _log = new();
    private readonly ModelDownloadSettings _offline = new() { BaseUrl = new Uri($"http://127.0.0.1:{LocalHttpServer.ClosedPort()}/") };

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void FilePath_IsUsedAsItIs_WithoutCatalogueDefaults()
    {
        var file = _temp.File("nets/my_graph.pb");

        var resolved = Resolve(tfhubModule: file);

        Assert.Equal(file, resolved.Path);
        Assert.Null(resolved.CatalogName);
        Assert.Equal(new ModelOverrides(), resolved.Defaults);
    }

    [Fact]
    public void FolderWithTheInceptionGraph_IsRecognisedAsInception()
    {
        var file = _temp.File("imagenet/classify_image_graph_def.pb");

        var resolved = Resolve(tfhubModule: Path.Combine(_temp.Path, "imagenet"));

        Assert.Equal(file, resolved.Path);
        Assert.Equal("inception_v3", resolved.CatalogName);
        Assert.Equal("Mul", resolved.Defaults.InputNode);
        Assert.Equal(128f, resolved.Defaults.InputMean);
    }

    [Fact]
    public void FolderAnArchiveWasUnpackedInto_FindsTheGraphOneLevelDown()
    {
        var file = _temp.File("cache/mobilenet_1.0_224/mobilenet_v1_1.0_224/frozen_graph.pb");
        _temp.File("cache/mobilenet_1.0_224/mobilenet_v1_1.0_224/quantized_graph.pb");

        var resolved = Resolve(tfhubModule: Path.Combine(_temp.Path, "cache", "mobilenet_1.0_224"));

        Assert.Equal(file, resolved.Path);
        Assert.Equal("mobilenet_1.0_224", resolved.CatalogName);
    }

    [Fact]
    public void FolderHoldingSeveralModelsInSubfolders_IsRefused_NamingThem()
    {
        _temp.File("models/mobilenet_v1_0.25_224/frozen_graph.pb");
        _temp.File("models/mobilenet_v1_0.25_128/frozen_graph.pb");
        var folder = Path.Combine(_temp.Path, "models");

        var e = Assert.Throws<RetrainException>(() => Resolve(tfhubModule: folder));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("holds several models (mobilenet_v1_0.25_128/frozen_graph.pb, mobilenet_v1_0.25_224/frozen_graph.pb); pass the path of the one to use", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderHoldingNoModel_IsRefused_SayingWhatToPass()
    {
        var folder = Path.Combine(_temp.Path, "empty");
        Directory.CreateDirectory(folder);

        var e = Assert.Throws<RetrainException>(() => Resolve(tfhubModule: folder));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains($"Folder '{folder}' (for '{folder}') holds no .pb or .onnx model file. Pass the path of a frozen graph", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPath_IsABadModelError()
    {
        var e = Assert.Throws<RetrainException>(() => Resolve(tfhubModule: Path.Combine(_temp.Path, "nope.pb")));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("nope.pb' not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CachedCatalogueModel_IsUsedWithoutDownloading()
    {
        var file = _temp.File("mobilenet_0.25_224/mobilenet_v1_0.25_224/frozen_graph.pb");

        var resolved = Resolve(architecture: "mobilenet_0.25_224");

        Assert.Equal(file, resolved.Path);
        Assert.Equal(224, resolved.Defaults.InputHeight);
    }

    [Fact]
    public void ModelFilePlacedByHandInTheModelFolder_IsUsed()
    {
        var file = _temp.File("inception_v3/classify_image_graph_def.pb");

        var resolved = Resolve();

        Assert.Equal(file, resolved.Path);
        Assert.Equal("inception_v3", resolved.CatalogName);
    }

    [Fact]
    public void RetrainPysOwnModelDirLayout_IsReused()
    {
        var file = _temp.File("classify_image_graph_def.pb");

        var resolved = Resolve(architecture: "inception_v3");

        Assert.Equal(file, resolved.Path);
    }

    [Fact]
    public void OwnModelInTheCache_IsFoundByItsFolderName()
    {
        var file = _temp.File("my_net/model.onnx");

        var resolved = Resolve(tfhubModule: "my_net");

        Assert.Equal(file, resolved.Path);
        Assert.Null(resolved.CatalogName);
    }

    [Fact]
    public void CachedFileNoLongerMatchingItsRecordedHash_IsRefused()
    {
        var file = _temp.File("mobilenet_0.25_224/mobilenet_v1_0.25_224/frozen_graph.pb", "changed");
        _temp.File("mobilenet_0.25_224.sha256", $"{new string('a', 64)}  mobilenet_0.25_224/mobilenet_v1_0.25_224/frozen_graph.pb\n");

        var e = Assert.Throws<RetrainException>(() => Resolve(architecture: "mobilenet_0.25_224"));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains("mobilenet_0.25_224.sha256", e.Message, StringComparison.Ordinal);
        Assert.Contains("Delete the folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderInTheWayOfADownload_IsNotDeleted_AndTheErrorSaysSo()
    {
        var stray = _temp.File("mobilenet_1.0_224/notes.txt");

        var e = Assert.Throws<RetrainException>(() => Resolve(architecture: "mobilenet_1.0_224"));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("exists but does not hold mobilenet_v1_1.0_224/frozen_graph.pb", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(stray));
    }

    [Fact]
    public void UserFlags_WinOverCatalogueDefaults()
    {
        var resolved = new ResolvedModel("m.pb", new ModelOverrides("Mul", "pool_3/_reshape", 299, 299, 128f, 128f), "inception_v3");

        var applied = resolved.Apply(new ModelOverrides(InputNode: "input", InputMean: 0f));

        Assert.Equal(new ModelOverrides("input", "pool_3/_reshape", 299, 299, 0f, 128f), applied);
    }

    private ResolvedModel Resolve(string? tfhubModule = null, string? architecture = null) =>
        ModelLocator.Resolve(tfhubModule, architecture, _temp.Path, _offline, _log.Logger, TestContext.Current.CancellationToken);
}
