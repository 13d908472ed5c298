using System.Security.Cryptography;
using Google.Protobuf;
using Retrain.Errors;
using Retrain.Models;
using Retrain.Tests.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 12 (first half): the hashes recorded at a model's first download pin only a model that loaded. A
/// first archive whose model file is garbage fails the run with BadModel naming the folder to delete, and keeps no
/// record, so the correct archive is accepted once the folder is gone. A record left by an older version that pinned a
/// bad archive is named in the refusal, with what to delete.
/// </summary>
public sealed class DownloadPinningTests : IDisposable
{
    private const string Name = "mobilenet_1.0_224";
    private const string GraphInArchive = "mobilenet_v1_1.0_224/frozen_graph.pb";

    private readonly TempFolder _work = new();
    private readonly string _cacheRoot;
    private readonly string _imageDir;

    public DownloadPinningTests()
    {
        _cacheRoot = Path.Combine(_work.Path, "models");
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 4, classes: ["blue", "red"]);
    }

    private string ModelFolder => Path.Combine(_cacheRoot, Name);

    private string RecordPath => Path.Combine(_cacheRoot, Name + ".sha256");

    public void Dispose() => _work.Dispose();

    [Fact]
    public void GarbageFirstDownload_IsNotPinned_AndTheCorrectArchiveIsAcceptedOnceTheFolderIsDeleted()
    {
        var garbage = TestArchives.Tgz((GraphInArchive, TestArchives.FakeGraph("garbage")));
        var good = TestArchives.Tgz((GraphInArchive, TinyBackbone.Graph().ToByteArray()));
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(garbage));
        var options = Options(server);
        var inputs = InputSnapshot.Take(_imageDir);

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains($"delete the folder '{ModelFolder}' and run again to download it again", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(RecordPath), "a model that did not load must not pin its hashes");
        inputs.AssertUnchanged();

        Directory.Delete(ModelFolder, recursive: true);
        server.Respond = _ => LocalHttpServer.Reply.Ok(good);

        var result = RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

        Assert.True(File.Exists(result.OutputGraph));
        Assert.StartsWith(Sha256(good) + "  ", File.ReadAllText(RecordPath), StringComparison.Ordinal);
        inputs.AssertUnchanged();
    }

    [Fact]
    public void GarbageModelFoundInTheCacheWithoutARecord_SaysWhichFolderToDelete()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Error(404));
        var placed = Path.Combine(ModelFolder, "mobilenet_v1_1.0_224", "frozen_graph.pb");
        Directory.CreateDirectory(Path.GetDirectoryName(placed)!);
        File.WriteAllBytes(placed, TestArchives.FakeGraph("by hand"));

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(Options(server), new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains($"'{placed}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"delete the folder '{ModelFolder}' and run again to download it again", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public void RecordPinningAnotherArchive_RefusalNamesTheRecordToDelete()
    {
        var good = TestArchives.Tgz((GraphInArchive, TinyBackbone.Graph().ToByteArray()));
        Directory.CreateDirectory(_cacheRoot);
        File.WriteAllText(RecordPath, $"{new string('a', 64)}  mobilenet_v1_1.0_224_frozen.tgz\n");
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(good));

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(Options(server), new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains($"delete '{RecordPath}' and run again", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("running again retries the download", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(ModelFolder));
    }

    private RetrainOptions Options(LocalHttpServer server) =>
        TinyRuns.Options(_work.Path, _imageDir, Name) with
        {
            ModelDir = _cacheRoot,
            ModelDownload = new ModelDownloadSettings { BaseUrl = server.BaseUrl, StallTimeout = TimeSpan.FromSeconds(5) },
            Model = TinyBackbone.Overrides with { InputHeight = TinyBackbone.Size, InputWidth = TinyBackbone.Size },
            HowManyTrainingSteps = 5,
        };

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
