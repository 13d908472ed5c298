using System.Security.Cryptography;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Models;

/// <summary>
/// Downloading catalogue models through <see cref="ModelLocator.Resolve"/> from a server on 127.0.0.1 that the test
/// controls: success and reuse, cut and stalled connections, checksums, HTTP errors, no network, concurrent runs.
/// </summary>
public sealed class ModelDownloadTests : IDisposable
{
    private const string Name = "mobilenet_1.0_224";
    private const string ArchiveRequest = "/models/mobilenet_v1_1.0_224_frozen.tgz";

    private static readonly byte[] Archive = TestArchives.MobileNet("1.0", 224);

    private readonly TempFolder _temp = new();
    private readonly LogCapture _log = new();

    private string Root => _temp.Path;

    private string ModelFolder => Path.Combine(Root, Name);

    private string ModelFile => Path.Combine(ModelFolder, "mobilenet_v1_1.0_224", "frozen_graph.pb");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Download_PlacesTheModel_RecordsItsHashes_AndTheNextResolveUsesTheCache()
    {
        using var server = Serving(Archive);

        var first = Resolve(server);

        Assert.Equal(ModelFile, first.Path);
        Assert.Equal(TestArchives.FakeGraph("v1"), File.ReadAllBytes(first.Path));
        Assert.Equal(Name, first.CatalogName);
        Assert.Equal(new ModelOverrides("input", "MobilenetV1/Predictions/Reshape", 224, 224, 127.5f, 127.5f), first.Defaults);
        Assert.Equal([ArchiveRequest], server.Paths);
        Assert.Equal(
            $"{Sha256(Archive)}  mobilenet_v1_1.0_224_frozen.tgz\n{Sha256(TestArchives.FakeGraph("v1"))}  {Name}/mobilenet_v1_1.0_224/frozen_graph.pb\n",
            File.ReadAllText(Path.Combine(Root, Name + ".sha256")));
        Assert.Contains(_log.Messages(LogEventLevel.Information), m => m.Contains("Downloaded \"mobilenet_v1_1.0_224_frozen.tgz\": " + Archive.Length + " bytes", StringComparison.Ordinal));
        AssertNoTemporaryFiles();

        var second = Resolve(server);

        Assert.Equal(first.Path, second.Path);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public void ProgressSink_GetsTheDownloadInBytes_AndFinishesOnce_OnSuccessAndOnACutConnection()
    {
        using var server = Serving(Archive);
        var sink = new RecordingProgressSink();

        ModelLocator.Resolve(null, Name, Root, Settings(server, null) with { Progress = sink }, _log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal($"Start mobilenet_v1_1.0_224_frozen.tgz {Archive.Length} Bytes", sink.Calls[0]);
        Assert.Equal("Finish", sink.Calls[^1]);
        Assert.Single(sink.Calls, c => c == "Finish");
        Assert.Equal(Archive.Length, sink.Advances[^1]);
        Assert.DoesNotContain(_log.Messages(LogEventLevel.Information), m => m.StartsWith("Downloading \"mobilenet", StringComparison.Ordinal));

        Directory.Delete(ModelFolder, recursive: true);
        File.Delete(Path.Combine(Root, Name + ".sha256"));
        var cut = new RecordingProgressSink();
        server.Respond = _ => LocalHttpServer.Reply.Ok(Archive) with { SendBytes = Archive.Length / 2 };

        Assert.Throws<RetrainException>(() =>
            ModelLocator.Resolve(null, Name, Root, Settings(server, null) with { Progress = cut }, _log.Logger, TestContext.Current.CancellationToken));
        Assert.Equal("Finish", cut.Calls[^1]);
        Assert.Single(cut.Calls, c => c == "Finish");
    }

    [Fact]
    public void ConnectionCutHalfway_FailsWithTheUrl_LeavesNothing_AndTheNextAttemptSucceeds()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(Archive) with { SendBytes = Archive.Length / 2 });

        var e = Assert.Throws<RetrainException>(() => Resolve(server));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains(server.BaseUrl + "mobilenet_v1_1.0_224_frozen.tgz", e.Message, StringComparison.Ordinal);
        Assert.Contains($"of {Archive.Length} bytes", e.Message, StringComparison.Ordinal);
        AssertNothingCached();

        server.Respond = _ => LocalHttpServer.Reply.Ok(Archive);
        var retried = Resolve(server);

        Assert.Equal(ModelFile, retried.Path);
        Assert.Equal(2, server.RequestCount);
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void ArchiveDifferingFromTheRecordedHash_IsRefused_AndNothingIsPlaced()
    {
        using var server = Serving(Archive);
        Resolve(server);
        var record = File.ReadAllText(Path.Combine(Root, Name + ".sha256"));
        Directory.Delete(ModelFolder, recursive: true);
        server.Respond = _ => LocalHttpServer.Reply.Ok(TestArchives.MobileNet("1.0", 224, "tampered"));

        var e = Assert.Throws<RetrainException>(() => Resolve(server));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"not {Sha256(Archive)}", e.Message, StringComparison.Ordinal);
        Assert.Contains(Name + ".sha256", e.Message, StringComparison.Ordinal);
        AssertNothingCached();
        Assert.Equal(record, File.ReadAllText(Path.Combine(Root, Name + ".sha256")));
    }

    [Fact]
    public void ArchiveDifferingFromThePublishedHash_IsRefused_AndNothingIsPlacedOrRecorded()
    {
        using var server = Serving(Archive);
        ModelCatalog.TryFind(Name, out var entry);
        var published = entry with { ArchiveSha256 = new string('0', 64) };

        var e = Assert.Throws<RetrainException>(() => ModelFetcher.Fetch(published, Cache(), Settings(server), _log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("the published one", e.Message, StringComparison.Ordinal);
        AssertNothingCached();
        Assert.False(File.Exists(Path.Combine(Root, Name + ".sha256")));
    }

    [Fact]
    public void ArchiveOfAnotherSizeThanPublished_IsRefusedBeforeDownloading()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(TestArchives.Tgz(("classify_image_graph_def.pb", TestArchives.FakeGraph("i")))));

        var e = Assert.Throws<RetrainException>(() => Resolve(server, "inception_v3"));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("88931400 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(["/models/image/imagenet/inception-2015-12-05.tgz"], server.Paths);
        Assert.False(Directory.Exists(Path.Combine(Root, "inception_v3")));
        AssertNoTemporaryFiles();
    }

    [Theory]
    [InlineData(404)]
    [InlineData(500)]
    public void HttpError_NamesTheUrl_AndSaysWhatToPlaceWhere(int status)
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Error(status));

        var e = Assert.Throws<RetrainException>(() => Resolve(server));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"HTTP {status}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"download mobilenet_v1_1.0_224_frozen.tgz from {server.BaseUrl}mobilenet_v1_1.0_224_frozen.tgz", e.Message, StringComparison.Ordinal);
        Assert.Contains($"unpack it into '{ModelFolder}{Path.DirectorySeparatorChar}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(ModelFile, e.Message, StringComparison.Ordinal);
        AssertNothingCached();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StalledServer_FailsAfterTheStallTimeout_AndLeavesNothing(bool beforeHeaders)
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(Archive) with
        {
            HoldHeaders = beforeHeaders,
            SendBytes = Archive.Length / 3,
            StallAfterSending = true,
        });

        var e = Assert.Throws<RetrainException>(() => Resolve(server, stall: TimeSpan.FromMilliseconds(250)));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("no data arrived for 0.25 s", e.Message, StringComparison.Ordinal);
        Assert.Contains(ModelDownloadSettings.TimeoutVariable, e.Message, StringComparison.Ordinal);
        AssertNothingCached();
    }

    [Fact]
    public async Task TwoRunsAtOnce_DownloadOnce_AndBothGetTheModel()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(Archive) with { Gate = gate.Task });
        var logA = new LogCapture();
        var logB = new LogCapture();

        var a = Task.Run(() => Resolve(server, log: logA));
        await server.RequestSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var b = Task.Run(() => Resolve(server, log: logB));
        await WaitUntil(() => logB.Messages(LogEventLevel.Information).Any(m => m.StartsWith("Waiting for another retrain process", StringComparison.Ordinal)));
        gate.SetResult();
        var results = await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(1, server.RequestCount);
        Assert.Equal(ModelFile, results[0].Path);
        Assert.Equal(ModelFile, results[1].Path);
        Assert.Contains(logB.Messages(LogEventLevel.Information), m => m.Contains("downloaded by another retrain process", StringComparison.Ordinal));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void NoNetwork_SaysTheConnectionFailed_AndWhichFileToPlaceWhere()
    {
        var port = LocalHttpServer.ClosedPort();
        var settings = new ModelDownloadSettings { BaseUrl = new Uri($"http://127.0.0.1:{port}/models") };

        var e = Assert.Throws<RetrainException>(() => ModelLocator.Resolve(null, Name, Root, settings, _log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"127.0.0.1:{port} was refused", e.Message, StringComparison.Ordinal);
        Assert.Contains($"download mobilenet_v1_1.0_224_frozen.tgz from http://127.0.0.1:{port}/models/mobilenet_v1_1.0_224_frozen.tgz", e.Message, StringComparison.Ordinal);
        Assert.Contains($"unpack it into '{ModelFolder}{Path.DirectorySeparatorChar}'", e.Message, StringComparison.Ordinal);
        AssertNothingCached();
    }

    [Fact]
    public void LeftoversOfAKilledDownload_AreRemovedByTheNextOne()
    {
        _temp.File($".{Name}.download-4242-0123456789abcdef", "half an archive");
        _temp.File(Path.Combine($".{Name}.extract-4242-0123456789abcdef", "mobilenet_v1_1.0_224", "frozen_graph.pb"), "half a graph");
        using var server = Serving(Archive);

        Resolve(server);

        AssertNoTemporaryFiles();
    }

    [Fact]
    public async Task Cancelling_StopsTheDownload_AndLeavesNothing()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(Archive) with { SendBytes = 100, StallAfterSending = true });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = Task.Run(() => ModelLocator.Resolve(null, Name, Root, Settings(server, TimeSpan.FromSeconds(30)), _log.Logger, cancel.Token));
        await server.RequestSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        AssertNothingCached();
    }

    [Fact]
    public void ArchiveWithoutTheModelFile_IsRefused()
    {
        using var server = Serving(TestArchives.Tgz(("mobilenet_v1_1.0_224/labels.txt", [1, 2, 3])));

        var e = Assert.Throws<RetrainException>(() => Resolve(server));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("does not contain mobilenet_v1_1.0_224/frozen_graph.pb", e.Message, StringComparison.Ordinal);
        AssertNothingCached();
    }

    [Fact]
    public void ArchiveEscapingTheModelFolder_IsRefused_AndWritesNothingOutside()
    {
        using var server = Serving(TestArchives.Tgz(("mobilenet_v1_1.0_224/frozen_graph.pb", TestArchives.FakeGraph("x")), ("../evil", [6, 6, 6])));

        var e = Assert.Throws<RetrainException>(() => Resolve(server));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("'../evil'", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Root, "evil")));
        AssertNothingCached();
    }

    [Fact]
    public void DamagedArchive_IsRefused()
    {
        using var server = Serving(RandomNumberGenerator.GetBytes(4096));

        var e = Assert.Throws<RetrainException>(() => Resolve(server));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("damaged or not a .tgz", e.Message, StringComparison.Ordinal);
        AssertNothingCached();
    }

    private static LocalHttpServer Serving(byte[] archive) =>
        new(path => path == ArchiveRequest || path.EndsWith(".tgz", StringComparison.Ordinal) ? LocalHttpServer.Reply.Ok(archive) : LocalHttpServer.Reply.Error(404));

    private static ModelDownloadSettings Settings(LocalHttpServer server, TimeSpan? stall = null) =>
        new() { BaseUrl = server.BaseUrl, StallTimeout = stall ?? TimeSpan.FromSeconds(5) };

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "condition not reached within 10 s");
    }

    private ModelCache Cache() => new(Root, isRetrainPyModelDir: true);

    private ResolvedModel Resolve(LocalHttpServer server, string name = Name, TimeSpan? stall = null, LogCapture? log = null) =>
        ModelLocator.Resolve(null, name, Root, Settings(server, stall), (log ?? _log).Logger, TestContext.Current.CancellationToken);

    private void AssertNoTemporaryFiles()
    {
        var temporary = Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).Where(n => n!.StartsWith('.')).ToList();
        Assert.Empty(temporary);
    }

    private void AssertNothingCached()
    {
        Assert.False(Directory.Exists(ModelFolder), $"{ModelFolder} must not exist after a failed download");
        AssertNoTemporaryFiles();
        var left = Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).Order().ToList();
        Assert.All(left, n => Assert.True(n is $"{Name}.lock" or $"{Name}.sha256", $"unexpected '{n}' in the cache"));
    }
}
