using Retrain.Errors;
using Retrain.IO;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void Write_ReplacesTheFileWholeAndLeavesNoTemporaryFile()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "sub", "labels.txt");
        AtomicFile.WriteAllText(path, "old\n");
        AtomicFile.WriteAllText(path, "daisy\nroses\n");

        Assert.Equal("daisy\nroses\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Write_FailureInTheMiddle_KeepsTheOldFileAndCleansUp()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "graph.pb");
        AtomicFile.WriteAllText(path, "complete old graph");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, 0, static (stream, _) =>
        {
            stream.Write("half a gra"u8);
            throw new InvalidOperationException("killed mid-write");
        }));

        Assert.Equal("complete old graph", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Write_IntoAFileInsteadOfAFolder_IsAnIoErrorNamingThePath()
    {
        using var dir = new TempFolder();
        var blocker = dir.File("not-a-folder");
        var target = Path.Combine(blocker, "out.pb");

        var e = Assert.Throws<RetrainException>(() => AtomicFile.WriteAllText(target, "x"));
        Assert.Equal(ExitCode.IoError, e.Code);
        Assert.Contains(target, e.Message, StringComparison.Ordinal);
    }
}
