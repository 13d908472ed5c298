using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// A TF Hub handle whose module is bad: damaged files in a fresh download or in a cache tensorflow_hub filled, and a
/// handle the server does not know. Each fails with its exit code, names the file or handle, says what to delete or
/// check, pins no hash of a module that did not load, and changes nothing outside retrain's outputs and the cache.
/// </summary>
public sealed class HubModuleInputTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _cacheRoot;
    private readonly string _imageDir;

    public HubModuleInputTests()
    {
        _cacheRoot = Path.Combine(_work.Path, "tfhub_modules");
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 4, classes: ["blue", "red"]);
    }

    public void Dispose() => _work.Dispose();

    [Fact]
    public void ADownloadedModuleWithADamagedTfhubModulePb_IsABadModelError_PinsNothing_AndSaysWhatToDelete()
    {
        var files = TinyHubModule.Files().Select(f => f.Name == "tfhub_module.pb" ? (f.Name, new byte[] { 0xff, 0xff, 0xff }) : f).ToList();
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(TinyHubModule.Archive(files)));
        var handle = server.BaseUrl + "google/damaged/1";
        var folder = Path.Combine(_cacheRoot, HubModuleDownload.FolderName(handle));
        var inputs = InputSnapshot.Take(_imageDir);

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(Options(handle, server), new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains(Path.Combine(folder, "tfhub_module.pb"), e.Message, StringComparison.Ordinal);
        Assert.Contains($"delete the folder '{folder}' and run again to download it again", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder + ".sha256"), "a module that did not load must not pin its hashes");
        inputs.AssertUnchanged();
    }

    [Fact]
    public void AModuleInACacheTensorflowHubFilled_WhoseSavedModelIsGarbage_NamesTheFile_WithoutTouchingTheNetwork()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Error(500));
        var handle = server.BaseUrl + "google/garbage/1";
        var folder = Path.Combine(_cacheRoot, HubModuleDownload.FolderName(handle));
        TinyHubModule.Write(folder, [("tfhub_module.pb", ValidModuleDef()), (SavedModelFile.FileName, "not a protobuf at all"u8.ToArray())]);
        var inputs = InputSnapshot.Take(_imageDir, _cacheRoot);

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(Options(handle, server), new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains(Path.Combine(folder, SavedModelFile.FileName), e.Message, StringComparison.Ordinal);
        Assert.Contains($"delete the folder '{folder}'", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
        inputs.AssertUnchanged();
    }

    [Fact]
    public void AHandleTheServerDoesNotKnow_IsADownloadError_NamingTheHandle()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Error(404));
        var handle = server.BaseUrl + "google/no_such_module/1";
        var inputs = InputSnapshot.Take(_imageDir);

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(Options(handle, server), new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"TF Hub module '{handle}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_cacheRoot, HubModuleDownload.FolderName(handle))));
        inputs.AssertUnchanged();
    }

    private RetrainOptions Options(string handle, LocalHttpServer server) =>
        TinyRuns.Options(_work.Path, _imageDir, handle) with
        {
            Model = new ModelOverrides(),
            ModelDownload = new ModelDownloadSettings { BaseUrl = server.BaseUrl, StallTimeout = TimeSpan.FromSeconds(5), HubCacheDir = _cacheRoot },
        };

    private static byte[] ValidModuleDef() => new Protos.TensorFlowHub.ModuleDef { Format = HubModule.FormatV3 }.ToByteArray();
}
