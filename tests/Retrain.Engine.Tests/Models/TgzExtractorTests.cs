using System.Formats.Tar;
using Retrain.Errors;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Models;

public sealed class TgzExtractorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private string Destination => Path.Combine(_temp.Path, "out");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Extract_UnpacksFilesAndFolders_IncludingDotSlashNames()
    {
        var archive = Write(TestArchives.Build(
            new PaxTarEntry(TarEntryType.Directory, "./mobilenet_v1_1.0_224/"),
            TestArchives.Entry("./mobilenet_v1_1.0_224/frozen_graph.pb", [1, 2, 3]),
            TestArchives.Entry("classify_image_graph_def.pb", [4, 5])));

        TgzExtractor.Extract(archive, Destination, ModelDownloadSettings.DefaultMaxUnpackedBytes, Fail, TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(Destination, "mobilenet_v1_1.0_224", "frozen_graph.pb")));
        Assert.Equal([4, 5], File.ReadAllBytes(Path.Combine(Destination, "classify_image_graph_def.pb")));
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("model/../../evil")]
    [InlineData("/tmp/retrain-tests-evil-absolute")]
    public void Extract_RefusesEntriesOutsideTheFolder(string name)
    {
        var archive = Write(TestArchives.Tgz(("ok.pb", [1]), (name, [6, 6, 6])));

        var e = Assert.Throws<RetrainException>(() => TgzExtractor.Extract(archive, Destination, ModelDownloadSettings.DefaultMaxUnpackedBytes, Fail, TestContext.Current.CancellationToken));

        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("outside the model folder", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "evil")));
        Assert.False(File.Exists("/tmp/retrain-tests-evil-absolute"));
    }

    [Fact]
    public void Extract_RefusesLinks()
    {
        var archive = Write(TestArchives.Build(new PaxTarEntry(TarEntryType.SymbolicLink, "frozen_graph.pb") { LinkName = "/etc/passwd" }));

        var e = Assert.Throws<RetrainException>(() => TgzExtractor.Extract(archive, Destination, ModelDownloadSettings.DefaultMaxUnpackedBytes, Fail, TestContext.Current.CancellationToken));

        Assert.Contains("SymbolicLink", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Destination, "frozen_graph.pb")));
    }

    [Fact]
    public void Extract_ReportsATruncatedArchive()
    {
        var whole = TestArchives.Tgz(("big.pb", System.Security.Cryptography.RandomNumberGenerator.GetBytes(50_000)));
        var archive = Write(whole[..(whole.Length / 2)]);

        var e = Assert.Throws<RetrainException>(() => TgzExtractor.Extract(archive, Destination, ModelDownloadSettings.DefaultMaxUnpackedBytes, Fail, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.DownloadFailed, e.Code);
    }

    private static RetrainException Fail(string reason, Exception? cause) => new(ExitCode.DownloadFailed, "refused: " + reason);

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_temp.Path, "archive.tgz");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
