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

    [Fact]
    public void Write_ThroughASymbolicLink_KeepsTheLinkAndReplacesItsTarget()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "releases", "graph-v2.pb");
        AtomicFile.WriteAllText(target, "v1");
        var link = Path.Combine(dir.Path, "current.pb");
        File.CreateSymbolicLink(link, Path.Combine("releases", "graph-v2.pb"));

        AtomicFile.WriteAllText(link, "v2");

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("v2", File.ReadAllText(target));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
    }

    [Fact]
    public async Task Write_IntoAPipe_WritesThroughItAndLeavesThePipe()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "mkfifo and statx are Linux's");
        using var dir = new TempFolder();
        var fifo = Path.Combine(dir.Path, "graph.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Assert.Equal(PathKind.Special, PathInspector.Of(fifo));
        var reader = Task.Run(() => File.ReadAllText(fifo), TestContext.Current.CancellationToken);

        AtomicFile.WriteAllText(fifo, "through the pipe");

        // Renaming a temporary file over it (what a regular file gets) would leave the reader waiting for ever.
        var first = await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.True(first == reader, "the reader never got the bytes");
        Assert.Equal("through the pipe", await reader);
        Assert.Equal(PathKind.Special, PathInspector.Of(fifo));
    }

    [Fact]
    public void Write_OverAFolder_IsAnIoErrorAndKeepsTheFolder()
    {
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "graphs");
        Directory.CreateDirectory(folder);

        var e = Assert.Throws<RetrainException>(() => AtomicFile.WriteAllText(folder, "x"));
        Assert.Equal(ExitCode.IoError, e.Code);
        Assert.Contains("it is a folder", e.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public void PathInspector_TellsDevicesFromFilesAndFolders()
    {
        using var dir = new TempFolder();
        var file = dir.File("labels.txt");

        Assert.Equal(PathKind.RegularFile, PathInspector.Of(file));
        Assert.Equal(PathKind.Directory, PathInspector.Of(dir.Path));
        Assert.Equal(PathKind.Missing, PathInspector.Of(Path.Combine(dir.Path, "nothing")));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(PathKind.Special, PathInspector.Of("/dev/null"));
        }
    }
}
