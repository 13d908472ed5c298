using System.Security.Cryptography;
using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Models;

/// <summary>
/// TF Hub handles in --tfhub_module (retrain.py's `hub.load_module_spec(handle)`): tensorflow_hub's cache layout in
/// $TFHUB_CACHE_DIR, used offline when the module is there, else the compressed module downloaded from a server on
/// 127.0.0.1 under the model catalogue's rules (lock, temporary files, hash record, nothing half-written).
/// </summary>
public sealed class HubModuleDownloadTests : IDisposable
{
    private const string HandlePath = "google/tiny/feature_vector/1";

    private static readonly byte[] Archive = TinyHubModule.Archive();

    private readonly TempFolder _temp = new();
    private readonly LogCapture _log = new();

    private string Root => Path.Combine(_temp.Path, "tfhub_modules");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void FolderName_IsTheSha1OfTheHandle_AsTensorflowHubNamesIt()
    {
        // Python: hashlib.sha1(handle.encode("utf8")).hexdigest()
        Assert.Equal("11d9faf945d073033780fd924b2b09ff42155763", HubModuleDownload.FolderName("https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1"));
        Assert.Equal("9a40df43ae974de74f59ca892971f265fec3d319", HubModuleDownload.FolderName("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/3"));
    }

    [Theory]
    [InlineData("https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1", "https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1?tf-hub-format=compressed")]
    [InlineData("https://example.com/m/1?token=abc", "https://example.com/m/1?token=abc&tf-hub-format=compressed")]
    public void CompressedUrl_AddsTheFormatQuery(string handle, string expected) =>
        Assert.Equal(expected, HubModuleDownload.CompressedUrl(handle).AbsoluteUri);

    [Theory]
    [InlineData(null, "/tmp/tfhub_modules")]
    [InlineData("", "/tmp/tfhub_modules")]
    [InlineData("/data/food101/module_cache", "/data/food101/module_cache")]
    public void CacheRoot_IsTfhubCacheDir_ElseTfhubModulesInTheTemporaryFolder(string? variable, string expected) =>
        Assert.Equal(expected, HubModuleDownload.DefaultRoot(variable, "/tmp"));

    [Theory]
    [InlineData("https://")]
    [InlineData("http://exa mple.com/m/1")]
    public void AHandleThatIsNotAUrl_IsAUsageErrorNamingTheFlag(string handle)
    {
        var e = Assert.Throws<RetrainException>(() => Resolve(handle));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains($"--tfhub_module '{handle}'", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Root));
    }

    [Fact]
    public void FirstRun_DownloadsIntoTensorflowHubsLayout_AndLoads_TheSecondRunUsesTheCacheOffline()
    {
        string handle;
        ResolvedModel first;
        using (var server = Serving(Archive))
        {
            handle = Handle(server);
            first = Resolve(handle, Settings(server));

            Assert.Equal([$"/models/{HandlePath}?tf-hub-format=compressed"], server.Paths);
        }

        var sha1 = HubModuleDownload.FolderName(handle);
        var folder = Path.Combine(Root, sha1);
        Assert.Equal(folder, first.Path);
        Assert.True(File.Exists(Path.Combine(folder, "tfhub_module.pb")));
        Assert.True(Directory.Exists(Path.Combine(folder, "variables")));
        Assert.StartsWith($"Module: {handle}\nDownload Time: ", File.ReadAllText(Path.Combine(Root, sha1 + ".descriptor.txt")), StringComparison.Ordinal);
        Assert.Equal(
            $"{Sha256(Archive)}  {sha1}.tar.gz\n{Sha256(File.ReadAllBytes(Path.Combine(folder, "saved_model.pb")))}  {sha1}/saved_model.pb\n",
            File.ReadAllText(Path.Combine(Root, sha1 + ".sha256")));
        AssertNoTemporaryFiles();
        using (var backbone = LoadedModel.OpenBackbone(first.Path, first.Apply(new ModelOverrides()), new InferenceSettings(IntraOpThreads: 1)))
        {
            Assert.Equal(TinyBackbone.BottleneckLength, backbone.OutputLength);
            Assert.Equal((0f, 255f), (backbone.Description.InputMean, backbone.Description.InputStd));
        }

        // The server is gone: only the cache can answer.
        var second = Resolve(handle);

        Assert.Equal(first.Path, second.Path);
        Assert.Equal(first.Defaults, second.Defaults);
    }

    [Fact]
    public void ACacheTensorflowHubFilled_IsUsedAsItIs_WithoutAnyNetwork()
    {
        var handle = $"https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1";
        var folder = TinyHubModule.Write(Path.Combine(Root, "11d9faf945d073033780fd924b2b09ff42155763"));
        File.WriteAllText(Path.Combine(Root, "11d9faf945d073033780fd924b2b09ff42155763.descriptor.txt"), $"Module: {handle}\n");
        var before = Directory.EnumerateFileSystemEntries(Root).Order(StringComparer.Ordinal).ToList();

        // Any download attempt would go to a closed port and fail.
        var resolved = ModelLocator.Resolve(handle, null, null, Offline(), _log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(folder, resolved.Path);
        Assert.Equal(new ModelOverrides(TinyBackbone.InputNode, TinyBackbone.BottleneckNode, TinyBackbone.Size, TinyBackbone.Size, 0f, 255f), resolved.Defaults);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(Root).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task TwoRunsAtOnce_DownloadTheModuleOnce_AndBothGetIt()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(Archive) with { Gate = gate.Task });
        var handle = Handle(server);
        var logB = new LogCapture();

        var a = Task.Run(() => Resolve(handle, Settings(server)));
        await server.RequestSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var b = Task.Run(() => ModelLocator.Resolve(handle, null, null, Settings(server), logB.Logger, TestContext.Current.CancellationToken));
        for (var i = 0; i < 200 && !logB.Messages(Serilog.Events.LogEventLevel.Information).Any(m => m.StartsWith("Waiting for another retrain process", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        gate.SetResult();
        var results = await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(1, server.RequestCount);
        Assert.Equal(results[0].Path, results[1].Path);
        Assert.Contains(logB.Messages(Serilog.Events.LogEventLevel.Information), m => m.Contains("downloaded by another retrain process", StringComparison.Ordinal));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void ProgressBar_IsNamedAfterTheHandle()
    {
        using var server = Serving(Archive);
        var sink = new RecordingProgressSink();

        Resolve(Handle(server), Settings(server) with { Progress = sink });

        Assert.Equal($"Start 127.0.0.1:{server.BaseUrl.Port}/models/{HandlePath} {Archive.Length} Bytes", sink.Calls[0]);
        Assert.Single(sink.Calls, c => c == "Finish");
    }

    [Fact]
    public void ConnectionCutHalfway_NamesTheUrl_LeavesNothingHalfWritten_AndTheNextRunDownloadsAgain()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(Archive) with { SendBytes = Archive.Length / 2 });
        var handle = Handle(server);

        var e = Assert.Throws<RetrainException>(() => Resolve(handle, Settings(server)));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"Cannot download TF Hub module '{handle}' from {handle}?tf-hub-format=compressed", e.Message, StringComparison.Ordinal);
        Assert.Contains($"of {Archive.Length} bytes", e.Message, StringComparison.Ordinal);
        AssertNothingCached(handle);

        server.Respond = _ => LocalHttpServer.Reply.Ok(Archive);
        var retried = Resolve(handle, Settings(server));

        Assert.Equal(Path.Combine(Root, HubModuleDownload.FolderName(handle)), retried.Path);
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void LeftoversOfAKilledDownload_AreRemovedByTheNextOne()
    {
        using var server = Serving(Archive);
        var handle = Handle(server);
        var sha1 = HubModuleDownload.FolderName(handle);
        _temp.File(Path.Combine("tfhub_modules", $".{sha1}.download-4242-0123456789abcdef"), "half an archive");
        _temp.File(Path.Combine("tfhub_modules", $".{sha1}.extract-4242-0123456789abcdef", "saved_model.pb"), "half a module");

        Resolve(handle, Settings(server));

        AssertNoTemporaryFiles();
    }

    [Fact]
    public void CorruptArchive_IsRefused_NamingTheUrl_AndLeavesNothing()
    {
        using var server = Serving(RandomNumberGenerator.GetBytes(4096));
        var handle = Handle(server);

        var e = Assert.Throws<RetrainException>(() => Resolve(handle, Settings(server)));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("damaged or not a .tgz", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{handle}?tf-hub-format=compressed", e.Message, StringComparison.Ordinal);
        AssertNothingCached(handle);
    }

    [Fact]
    public void ArchiveWithoutASavedModel_IsRefused_AndLeavesNothing()
    {
        using var server = Serving(TestArchives.Tgz(("./tfhub_module.pb", [0x08, 0x03])));
        var handle = Handle(server);

        var e = Assert.Throws<RetrainException>(() => Resolve(handle, Settings(server)));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("does not contain saved_model.pb", e.Message, StringComparison.Ordinal);
        AssertNothingCached(handle);
    }

    [Fact]
    public void Http404_NamesTheHandle_AndWhereToUnpackItByHand()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Error(404));
        var handle = Handle(server);

        var e = Assert.Throws<RetrainException>(() => Resolve(handle, Settings(server)));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"TF Hub module '{handle}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains($"unpack it into '{Path.Combine(Root, HubModuleDownload.FolderName(handle))}{Path.DirectorySeparatorChar}'", e.Message, StringComparison.Ordinal);
        AssertNothingCached(handle);
    }

    [Fact]
    public void ACachedModuleChangedAfterItsDownload_IsRefused_NamingItsRecord()
    {
        using var server = Serving(Archive);
        var handle = Handle(server);
        var folder = Resolve(handle, Settings(server)).Path;
        File.AppendAllText(Path.Combine(folder, "saved_model.pb"), "tampered");

        var e = Assert.Throws<RetrainException>(() => Resolve(handle, Settings(server)));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains($"{HubModuleDownload.FolderName(handle)}.sha256", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public void ACacheFolderWithoutASavedModel_IsABadModelError_SayingWhatToDelete()
    {
        var handle = "https://tfhub.dev/google/imagenet/inception_v3/feature_vector/1";
        _temp.File(Path.Combine("tfhub_modules", "11d9faf945d073033780fd924b2b09ff42155763", "stray.txt"));

        var e = Assert.Throws<RetrainException>(() => ModelLocator.Resolve(handle, null, null, Offline(), _log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("holds no saved_model.pb", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Root, "11d9faf945d073033780fd924b2b09ff42155763"), e.Message, StringComparison.Ordinal);
    }

    private static LocalHttpServer Serving(byte[] archive) =>
        new(path => path == $"/models/{HandlePath}?tf-hub-format=compressed" ? LocalHttpServer.Reply.Ok(archive) : LocalHttpServer.Reply.Error(404));

    private static string Handle(LocalHttpServer server) => server.BaseUrl + HandlePath;

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private ModelDownloadSettings Settings(LocalHttpServer server) =>
        new() { BaseUrl = server.BaseUrl, StallTimeout = TimeSpan.FromSeconds(5), HubCacheDir = Root };

    private ModelDownloadSettings Offline() =>
        new() { BaseUrl = new Uri($"http://127.0.0.1:{LocalHttpServer.ClosedPort()}/"), StallTimeout = TimeSpan.FromSeconds(5), HubCacheDir = Root };

    private ResolvedModel Resolve(string handle, ModelDownloadSettings? settings = null) =>
        ModelLocator.Resolve(handle, null, null, settings ?? Offline(), _log.Logger, TestContext.Current.CancellationToken);

    private void AssertNoTemporaryFiles()
    {
        var temporary = Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).Where(n => n!.StartsWith('.')).ToList();
        Assert.Empty(temporary);
    }

    private void AssertNothingCached(string handle)
    {
        var sha1 = HubModuleDownload.FolderName(handle);
        var left = Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([$"{sha1}.retrain.lock"], left);
    }
}
