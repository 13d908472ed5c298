using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Tests.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 12 (second half): a small archive that unpacks to far more than any model (a 3 MB archive wrote
/// 3 GiB) is refused once its entries add up to more than <see cref="ModelDownloadSettings.MaxUnpackedBytes"/>, before
/// the entry past the cap is written; the partial extraction is removed and the download fails with exit 8. The cap
/// is lowered to 1 MiB here so the bombs stay a few kilobytes.
/// </summary>
public sealed class ArchiveBombTests : IDisposable
{
    private const string Name = "mobilenet_1.0_224";
    private const long Cap = 1 << 20;

    private readonly TempFolder _temp = new();
    private readonly LogCapture _log = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void OneEntryUnpackingPastTheCap_IsRefusedBeforeItIsWritten()
    {
        var bomb = TestArchives.Tgz(("mobilenet_v1_1.0_224/frozen_graph.pb", new byte[8 * Cap]));
        Assert.True(bomb.Length < Cap / 8, $"the bomb is {bomb.Length} bytes, not a small archive");

        var e = Fails(bomb);

        Assert.Contains("'mobilenet_v1_1.0_224/frozen_graph.pb'", e.Message, StringComparison.Ordinal);
        Assert.Contains("more than 1,048,576 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EntriesAddingUpPastTheCap_AreRefused()
    {
        var bomb = TestArchives.Tgz(
            ("mobilenet_v1_1.0_224/frozen_graph.pb", new byte[Cap / 2]),
            ("mobilenet_v1_1.0_224/quantized_graph.pb", new byte[Cap / 2]),
            ("mobilenet_v1_1.0_224/padding", new byte[Cap / 2]));

        var e = Fails(bomb);

        Assert.Contains("'mobilenet_v1_1.0_224/padding'", e.Message, StringComparison.Ordinal);
        Assert.Contains("more than 1,048,576 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArchiveUpToTheCap_IsUnpacked()
    {
        var archive = TestArchives.Tgz(
            ("mobilenet_v1_1.0_224/frozen_graph.pb", new byte[Cap / 2]),
            ("mobilenet_v1_1.0_224/quantized_graph.pb", new byte[Cap / 2]));
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(archive));

        var resolved = ModelLocator.Resolve(null, Name, _temp.Path, Settings(server), _log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(Cap / 2, new FileInfo(resolved.Path).Length);
    }

    [Fact]
    public void DefaultCap_IsFourGibibytes() =>
        Assert.Equal(4L << 30, new ModelDownloadSettings().MaxUnpackedBytes);

    private RetrainException Fails(byte[] archive)
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Ok(archive));
        var cache = InputSnapshot.Take(_temp.Path);

        var e = Assert.Throws<RetrainException>(() =>
            ModelLocator.Resolve(null, Name, _temp.Path, Settings(server), _log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains("unpacks to", e.Message, StringComparison.Ordinal);
        Assert.Contains(Name, e.Message, StringComparison.Ordinal);
        cache.AssertUnchanged(Path.Combine(_temp.Path, Name + ".lock"));
        return e;
    }

    private static ModelDownloadSettings Settings(LocalHttpServer server) =>
        new() { BaseUrl = server.BaseUrl, StallTimeout = TimeSpan.FromSeconds(5), MaxUnpackedBytes = Cap };
}
