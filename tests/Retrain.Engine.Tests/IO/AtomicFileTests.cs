using Retrain.Errors;
using Retrain.IO;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.IO;

public partial class AtomicFileTests
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
        var fifo = SpecialFiles.Fifo(Path.Combine(dir.Path, "graph.fifo"));

        Assert.Equal(PathKind.Special, PathInspector.Of(fifo));
        var reader = Task.Run(() => File.ReadAllText(fifo), TestContext.Current.CancellationToken);

        // The reader's thread may not have reached open() yet; until it has, the pipe has no reader.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                AtomicFile.WriteAllText(fifo, "through the pipe");
                break;
            }
            catch (RetrainException e) when (e.Message.Contains("nothing is reading it", StringComparison.Ordinal) && attempt < 100)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        // Renaming a temporary file over it (what a regular file gets) would leave the reader waiting for ever.
        var first = await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.True(first == reader, "the reader never got the bytes");
        Assert.Equal("through the pipe", await reader);
        Assert.Equal(PathKind.Special, PathInspector.Of(fifo));
    }

    [Fact]
    public async Task Write_IntoAPipeNobodyReads_FailsAtOnceInsteadOfWaitingForEver()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "mkfifo and statx are Linux's");
        using var dir = new TempFolder();
        var fifo = SpecialFiles.Fifo(Path.Combine(dir.Path, "graph.fifo"));

        var write = Task.Run(() => Assert.Throws<RetrainException>(() => AtomicFile.WriteAllText(fifo, "lost")), TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Assert.True(first == write, "the write waited for a reader");
        var e = await write;
        Assert.Equal(ExitCode.IoError, e.Code);
        Assert.Contains("it is a named pipe and nothing is reading it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_ToAnAnonymousPipeNamedUnderProc_WritesIntoIt()
    {
        // What --output_labels /dev/stdout names when the output is piped: a link to "pipe:[N]", not a file.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc/self/fd is Linux's");
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        var path = $"/proc/self/fd/{server.ClientSafePipeHandle.DangerousGetHandle()}";
        Assert.Equal(PathKind.Special, PathInspector.Of(path));

        AtomicFile.WriteAllText(path, "daisy\n");
        server.DisposeLocalCopyOfClientHandle();

        using var reader = new StreamReader(server);
        Assert.Equal("daisy\n", await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Write_ThroughAnotherUsersLink_ReplacesTheLinkNotItsTarget()
    {
        // In a shared, sticky /tmp, following a link someone else planted would let them aim our output at our files.
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.UserName == "root", "giving a link to another user needs root");
        using var dir = new TempFolder();
        var victim = dir.File("precious.txt", "keep me");
        var link = Path.Combine(dir.Path, "output_labels.txt");
        File.CreateSymbolicLink(link, victim);
        using (var chown = System.Diagnostics.Process.Start("chown", ["-h", "65534", link]))
        {
            chown.WaitForExit();
            Assert.Equal(0, chown.ExitCode);
        }

        AtomicFile.WriteAllText(link, "daisy\n");

        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal("daisy\n", File.ReadAllText(link));
    }

    [Fact]
    public void Write_ThroughARelativeLinkInALinkedFolder_LandsWhereTheKernelResolvesIt()
    {
        using var dir = new TempFolder();
        var real = Path.Combine(dir.Path, "real", "sub");
        Directory.CreateDirectory(real);
        File.WriteAllText(Path.Combine(dir.Path, "real", "x"), "old");
        File.CreateSymbolicLink(Path.Combine(real, "rel"), Path.Combine("..", "x"));
        var linkedFolder = Path.Combine(dir.Path, "linkdir");
        Directory.CreateSymbolicLink(linkedFolder, real);

        AtomicFile.WriteAllText(Path.Combine(linkedFolder, "rel"), "new");

        // ../x from real/sub is real/x, not dir/x (what the link's path as written would suggest).
        Assert.Equal("new", File.ReadAllText(Path.Combine(dir.Path, "real", "x")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "x")));
    }

    [Fact]
    public void Write_ThroughALinkToAFileNotWrittenYet_CreatesIt()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "releases", "v3.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var link = Path.Combine(dir.Path, "current.txt");
        File.CreateSymbolicLink(link, target);

        AtomicFile.WriteAllText(link, "v3");

        Assert.Equal("v3", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
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

    [Fact]
    public void DescriptorOf_NamesOfThisProcesssOpenDescriptors_AreSpecial()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc/self/fd is Linux's");
        using var dir = new TempFolder();
        using var open = File.OpenHandle(dir.File("log.txt"), FileMode.Open, FileAccess.Write);
        var fd = (int)open.DangerousGetHandle();
        var link = Path.Combine(dir.Path, "labels.txt");
        File.CreateSymbolicLink(link, $"/dev/fd/{fd}");

        Assert.Equal(fd, PathInspector.DescriptorOf($"/proc/self/fd/{fd}"));
        Assert.Equal(fd, PathInspector.DescriptorOf($"/proc/{Environment.ProcessId}/fd/{fd}"));
        Assert.Equal(fd, PathInspector.DescriptorOf(link));
        Assert.Equal(PathKind.Special, PathInspector.Of($"/dev/fd/{fd}"));
        if (Environment.ProcessId != 1)
        {
            Assert.Null(PathInspector.DescriptorOf($"/proc/1/fd/{fd}")); // another process's
        }

        Assert.Null(PathInspector.DescriptorOf("/proc/self/fd/1000000")); // not open
        Assert.Null(PathInspector.DescriptorOf(Path.Combine(dir.Path, "log.txt")));
        Assert.Equal(PathKind.RegularFile, PathInspector.Of(Path.Combine(dir.Path, "log.txt")));
    }

    [Fact]
    public void Write_RemovesTheTemporariesKilledRunsLeft_AndNothingElse()
    {
        using var dir = new TempFolder();
        var labels = Path.Combine(dir.Path, "output_labels.txt");
        var old = DateTime.UtcNow.AddHours(-2);
        var orphan = dir.File($".output_labels.txt.tmp-4242-{Guid.NewGuid():N}", "half");
        File.SetLastWriteTimeUtc(orphan, old);
        var orphanFolder = Directory.CreateDirectory(Path.Combine(dir.Path, $".output_labels.txt.tmp-77-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(orphanFolder, "part"), "x");
        Directory.SetLastWriteTimeUtc(orphanFolder, old);
        var fresh = dir.File($".output_labels.txt.tmp-4243-{Guid.NewGuid():N}", "another run is writing this");
        var usersOwn = dir.File(".output_labels.txt.tmp-notes", "mine");
        File.SetLastWriteTimeUtc(usersOwn, old);
        var otherOutput = dir.File($".output_graph.pb.tmp-4242-{Guid.NewGuid():N}", "another output's");
        File.SetLastWriteTimeUtc(otherOutput, old);

        AtomicFile.WriteAllText(labels, "daisy\n");

        Assert.Equal("daisy\n", File.ReadAllText(labels));
        Assert.False(File.Exists(orphan));
        Assert.False(Directory.Exists(orphanFolder));
        Assert.True(File.Exists(fresh)); // under an hour old: a live run may still rename it
        Assert.True(File.Exists(usersOwn)); // not a name retrain makes
        Assert.True(File.Exists(otherOutput)); // swept when that output is written
    }

    [Fact]
    public async Task Write_ToANonBlockingPipeNamedUnderProc_WaitsForTheReader()
    {
        // A parent may hand retrain a non-blocking pipe as stdout; --output_graph /dev/stdout must still arrive whole
        // when the reader is slower than the writer, not fail with EAGAIN after the pipe's 64 KiB.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc/self/fd and O_NONBLOCK are Linux's");
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        var fd = (int)server.ClientSafePipeHandle.DangerousGetHandle();
        Assert.True(Fcntl(fd, 4, Fcntl(fd, 3, 0) | 0x800) == 0, "could not make the pipe non-blocking"); // F_SETFL O_NONBLOCK
        var text = new string('x', 1 << 20);
        var ct = TestContext.Current.CancellationToken;

        var write = Task.Run(() => AtomicFile.WriteAllText($"/proc/self/fd/{fd}", text), ct);
        await Task.Delay(300, ct); // the reader starts late
        var read = Task.Run(
            async () =>
            {
                using var reader = new StreamReader(server);
                return await reader.ReadToEndAsync(ct);
            },
            ct);
        await write;
        server.DisposeLocalCopyOfClientHandle();

        Assert.Equal(text.Length, (await read).Length);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);
}
