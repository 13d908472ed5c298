using Retrain.Outputs;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests;

/// <summary>retrain.py's shared /tmp defaults let two users overwrite each other's outputs; here they are per user.</summary>
public class DefaultPathsTests
{
    [Fact]
    public void UserTempRoot_IsAFolderOfThisUserInTheTempDirectory()
    {
        var root = DefaultPaths.UserTempRoot;

        Assert.Equal(Path.GetFullPath(Path.GetTempPath()), Path.GetFullPath(Path.GetDirectoryName(root)!) + Path.DirectorySeparatorChar);
        Assert.StartsWith("retrain-", Path.GetFileName(root), StringComparison.Ordinal);
        if (Environment.UserName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            Assert.Equal("retrain-" + Environment.UserName, Path.GetFileName(root));
        }
    }

    [Fact]
    public void EveryDefaultOutputOfRetrain_IsInsideTheUserFolder()
    {
        var defaults = new RetrainOptions { ImageDir = "images" };

        string[] paths = [defaults.OutputGraph, defaults.OutputLabels, defaults.BottleneckDir, defaults.IntermediateOutputGraphsDir];

        Assert.All(paths, p => Assert.StartsWith(DefaultPaths.UserTempRoot + Path.DirectorySeparatorChar, p, StringComparison.Ordinal));
        Assert.Equal(
            ["output_graph.pb", "output_labels.txt", "bottleneck", "intermediate_graph"],
            paths.Select(Path.GetFileName));
    }

    [Fact]
    public void DefaultOutputs_AreRecognisedAsInTheUserFolder()
    {
        Assert.True(DefaultPaths.IsInUserTempRoot(DefaultPaths.InTemp("output_graph.pb")));
        Assert.False(DefaultPaths.IsInUserTempRoot(Path.Combine(Path.GetTempPath(), "elsewhere", "output_graph.pb")));
        Assert.False(DefaultPaths.IsInUserTempRoot(DefaultPaths.UserTempRoot + "-other/x"));
        Assert.False(DefaultPaths.IsInUserTempRoot(null));
    }

    [Fact]
    public void EnsurePrivate_CreatesTheFolderForItsUserOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only.");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        using var temp = new TempFolder();
        var root = Path.Combine(temp.Path, "retrain-someone");

        DefaultPaths.EnsurePrivate(root);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root));
    }

    [Fact]
    public void EnsurePrivate_TightensAnOpenFolderOfThisUser_KeepingItsFiles()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only.");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        using var temp = new TempFolder();
        var root = Directory.CreateDirectory(Path.Combine(temp.Path, "retrain-someone")).FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);
        File.WriteAllText(Path.Combine(root, "output_labels.txt"), "a\n");

        DefaultPaths.EnsurePrivate(root);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root));
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(root, "output_labels.txt")));
    }

    [Fact]
    public void EnsurePrivate_RefusesALinkOrAFileInPlaceOfTheFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX links only.");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        using var temp = new TempFolder();
        var elsewhere = Directory.CreateDirectory(Path.Combine(temp.Path, "attacker")).FullName;
        var link = Path.Combine(temp.Path, "retrain-someone");
        Directory.CreateSymbolicLink(link, elsewhere);
        var file = Path.Combine(temp.Path, "retrain-other");
        File.WriteAllText(file, "");

        var linked = Assert.Throws<RetrainException>(() => DefaultPaths.EnsurePrivate(link));
        var planted = Assert.Throws<RetrainException>(() => DefaultPaths.EnsurePrivate(file));

        Assert.Equal((ExitCode.IoError, ExitCode.IoError), (linked.Code, planted.Code));
        Assert.Contains($"'{link}': it is a symbolic link", linked.Message, StringComparison.Ordinal);
        Assert.Contains("--bottleneck_dir", linked.Message, StringComparison.Ordinal);
        Assert.Contains("it is a file, not a folder", planted.Message, StringComparison.Ordinal);
    }
}
