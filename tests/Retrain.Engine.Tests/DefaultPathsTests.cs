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
}
