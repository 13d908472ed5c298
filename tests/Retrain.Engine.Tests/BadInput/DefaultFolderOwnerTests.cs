using Retrain.Outputs;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 3: in a shared /tmp another user can create /tmp/retrain-root first. retrain accepted it when run
/// as root, because the check was "can I chmod it" and root always can; the other user could then replace root's
/// outputs. Ownership decides now. The process-level run with TMPDIR is in Retrain.Cli.Tests (DefaultFolderOwnerProcessTests).
/// </summary>
public sealed class DefaultFolderOwnerTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void AnotherUsersOpenFolder_IsRefusedEvenForRoot_AndLeftAsItWas()
    {
        if (OperatingSystem.IsWindows() || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("Needs root on Linux to give a folder to another user (CI runs the tests as root).");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        var root = Directory.CreateDirectory(Path.Combine(_work.Path, "retrain-root")).FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);
        SpecialFiles.GiveTo(root, SpecialFiles.Nobody);
        var before = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => DefaultPaths.EnsurePrivate(root));

        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains($"Cannot use the default output folder '{root}': it belongs to another user (uid {SpecialFiles.Nobody})", error.Message, StringComparison.Ordinal);
        Assert.Contains("--output_graph, --output_labels, --bottleneck_dir", error.Message, StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0b111_111_111, File.GetUnixFileMode(root));
        Assert.Equal(SpecialFiles.Nobody, PathInspector.OwnerOf(root));
        before.AssertUnchanged();
    }

    [Fact]
    public void OwnerOf_TellsTheOwnerOfALinkNotOfItsTarget()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("Needs root on Linux to give a link to another user.");
        }

        var link = Path.Combine(_work.Path, "link");
        File.CreateSymbolicLink(link, _work.Path);
        SpecialFiles.GiveTo(link, SpecialFiles.Nobody);

        Assert.Equal(PathInspector.EffectiveUserId, PathInspector.OwnerOf(_work.Path));
        Assert.Equal(SpecialFiles.Nobody, PathInspector.OwnerOf(link));
        Assert.Null(PathInspector.OwnerOf(Path.Combine(_work.Path, "missing")));
    }
}
