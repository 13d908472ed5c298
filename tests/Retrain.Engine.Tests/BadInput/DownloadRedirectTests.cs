using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Tests.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 10: a model server's redirect is followed only to another http(s) URL. A redirect to
/// file:///etc/passwd, to a Location that is not a URL, or round in a loop fails the download (exit 8) naming the
/// Location, and leaves nothing in the model cache.
/// </summary>
public sealed class DownloadRedirectTests : IDisposable
{
    private const string Name = "mobilenet_1.0_224";
    private const string ArchiveRequest = "/models/mobilenet_v1_1.0_224_frozen.tgz";

    private readonly TempFolder _temp = new();
    private readonly LogCapture _log = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/models/mobilenet_v1_1.0_224_frozen.tgz")]
    public void RedirectToAnotherScheme_FailsTheDownloadNamingTheLocation(string location)
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Redirect(location));

        var e = Fails(server);

        Assert.Contains($"redirected to '{location}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("only http and https", e.Message, StringComparison.Ordinal);
        Assert.Equal([ArchiveRequest], server.Paths);
    }

    [Fact]
    public void RedirectToALocationThatIsNotAUrl_FailsTheDownloadNamingIt()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Redirect("http://[::1"));

        var e = Fails(server);

        Assert.Contains("redirected to 'http://[::1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RedirectLoop_FailsAfterTheLimit()
    {
        using var server = new LocalHttpServer(_ => LocalHttpServer.Reply.Redirect(ArchiveRequest));

        var e = Fails(server);

        Assert.Contains("more than 10 redirects", e.Message, StringComparison.Ordinal);
        Assert.Equal(11, server.RequestCount);
    }

    [Fact]
    public void RelativeRedirectToHttp_IsFollowed()
    {
        var archive = TestArchives.MobileNet("1.0", 224);
        using var server = new LocalHttpServer(path => path == ArchiveRequest
            ? LocalHttpServer.Reply.Redirect("/mirror/archive.tgz")
            : LocalHttpServer.Reply.Ok(archive));

        var resolved = ModelLocator.Resolve(null, Name, _temp.Path, Settings(server), _log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(TestArchives.FakeGraph("v1"), File.ReadAllBytes(resolved.Path));
        Assert.Equal([ArchiveRequest, "/mirror/archive.tgz"], server.Paths);
    }

    private RetrainException Fails(LocalHttpServer server)
    {
        var outside = InputSnapshot.Take("/etc/passwd");

        var e = Assert.Throws<RetrainException>(() =>
            ModelLocator.Resolve(null, Name, _temp.Path, Settings(server), _log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
        Assert.Contains(server.BaseUrl + "mobilenet_v1_1.0_224_frozen.tgz", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, Name)));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_temp.Path), p => Path.GetFileName(p).StartsWith('.'));
        Assert.False(File.Exists(Path.Combine(_temp.Path, Name + ".sha256")));
        outside.AssertUnchanged();
        return e;
    }

    private static ModelDownloadSettings Settings(LocalHttpServer server) =>
        new() { BaseUrl = server.BaseUrl, StallTimeout = TimeSpan.FromSeconds(5) };
}
