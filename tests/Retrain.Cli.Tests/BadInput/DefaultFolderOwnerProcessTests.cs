using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests.BadInput;

/// <summary>
/// Issue 15, defect 3, as reported: `mkdir -m 1777 T; (as nobody) mkdir -m 777 T/retrain-root; TMPDIR=T retrain ...`
/// run as root wrote its outputs into nobody's folder. Now it exits 6 naming the folder, and writes nothing there.
/// </summary>
public sealed class DefaultFolderOwnerProcessTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void RootWithAnotherUsersDefaultFolder_ExitsSixAndWritesNothingThere()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || Environment.UserName != "root")
        {
            Assert.Skip("Needs root on Linux to give a folder to another user (CI runs the tests as root).");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 6, classes: ["red", "blue"]);
        var model = TinyBackbone.Write(_work.Path);
        var tmp = Directory.CreateDirectory(Path.Combine(_work.Path, "T")).FullName;
        File.SetUnixFileMode(tmp, (UnixFileMode)0b1_111_111_111);
        var planted = Directory.CreateDirectory(Path.Combine(tmp, "retrain-root")).FullName;
        File.SetUnixFileMode(planted, (UnixFileMode)0b111_111_111);
        SpecialFiles.GiveTo(planted, SpecialFiles.Nobody);
        var before = InputSnapshot.Take(_work.Path);

        // Every output at its default, in $TMPDIR/retrain-$USER.
        using var retrain = RetrainProcess.Start(
            RetrainProcess.RetrainDll,
            ["--image_dir", imageDir, "--tfhub_module", model, "--input_layer", TinyBackbone.InputNode, "--bottleneck_layer", TinyBackbone.BottleneckNode, "--how_many_training_steps", "5"],
            null,
            asUserWithoutOverride: false,
            new Dictionary<string, string> { ["TMPDIR"] = tmp });
        var code = retrain.WaitForExit();

        Assert.True(code == 6, $"exit {code}:\n{retrain.Log}");
        Assert.Contains($"Cannot use the default output folder '{planted}': it belongs to another user (uid {SpecialFiles.Nobody})", retrain.Log, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(planted));
        before.AssertUnchanged();
    }
}
