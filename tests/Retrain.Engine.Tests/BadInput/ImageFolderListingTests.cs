using System.Diagnostics;
using Retrain.Data;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, "also decide": image folders whose listing went wrong. A link to / below a class folder made the
/// listing walk the whole file system before its warning; a file name that is not UTF-8 failed later as "does not
/// exist". Decisions: linked folders below a class are looked into but not walked, and the warning walk has a bound;
/// a name that cannot be opened is left out with a warning naming it, and the run goes on with the rest.
/// </summary>
public class ImageFolderListingTests
{
    [Fact]
    public void LinkToRootInsideAClassFolder_IsNotWalked()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 3);
        dir.Images("dogs", 3);
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "cats", "everything"), "/");
        var snapshot = InputSnapshot.Take(dir.Path);
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 0, 0, log.Logger);

        Assert.Equal([3, 3], lists.Classes.Select(c => c.ImageCount));
        Assert.DoesNotContain(log.Messages(LogEventLevel.Warning), m => m.Contains("everything", StringComparison.Ordinal));
        snapshot.AssertUnchanged();
    }

    [Fact]
    public void LinkedFolderInsideAClassFolder_CountsOnlyTheImagesDirectlyInIt()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 3);
        dir.Images("dogs", 3);
        dir.Images(Path.Combine("elsewhere", "kittens"), 2);
        dir.Images(Path.Combine("elsewhere", "kittens", "deeper"), 5);
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "cats", "kittens"), Path.Combine(dir.Path, "elsewhere", "kittens"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "dogs", "puppies", "deeper"));
        dir.Images(Path.Combine("dogs", "puppies", "deeper"), 4);
        var log = new LogCapture();

        ImageListBuilder.Create(dir.Path, 0, 0, log.Logger);

        var warnings = log.Messages(LogEventLevel.Warning).ToList();
        Assert.Contains(warnings, m => m.StartsWith($"Ignoring 2 images in '{dir.Path}/cats/kittens':", StringComparison.Ordinal));
        Assert.Contains(warnings, m => m.StartsWith($"Ignoring 4 images in '{dir.Path}/dogs/puppies' and below:", StringComparison.Ordinal));
    }

    [Fact]
    public void FileNameThatIsNotUtf8_IsLeftOutWithAWarningNamingIt()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 3);
        dir.Images("dogs", 3);
        using (var touch = Process.Start("bash", ["-c", "touch \"$1\"/cats/caf$'\\xe9'.jpg \"$1\"/$'\\xff'birds.jpg", "bash", dir.Path]))
        {
            touch.WaitForExit();
            Assert.Equal(0, touch.ExitCode);
        }

        var snapshot = InputSnapshot.Take(dir.Path);
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 0, 0, log.Logger);

        Assert.Equal([3, 3], lists.Classes.Select(c => c.ImageCount));
        var warning = Assert.Single(log.Messages(LogEventLevel.Warning), m => m.Contains("not valid UTF-8", StringComparison.Ordinal));
        Assert.Contains($"'caf\uFFFD.jpg' in '{dir.Path}/cats'", warning, StringComparison.Ordinal);
        Assert.Contains("Rename it", warning, StringComparison.Ordinal);
        snapshot.AssertUnchanged();
    }

    [Fact]
    public void FolderNameThatIsNotUtf8_IsLeftOutWithAWarningNamingIt()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 3);
        dir.Images("dogs", 3);
        using (var make = Process.Start("bash", ["-c", "mkdir \"$1\"/$'\\xe9'lans && touch \"$1\"/$'\\xe9'lans/a.jpg", "bash", dir.Path]))
        {
            make.WaitForExit();
            Assert.Equal(0, make.ExitCode);
        }

        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 0, 0, log.Logger);

        Assert.Equal(["cats", "dogs"], lists.Labels);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains("Skipping folder '\uFFFDlans'", StringComparison.Ordinal));
    }

    [Fact]
    public void TempFolderHoldingNamesThatAreNotUtf8_IsStillDeletedOnDispose()
    {
        // The two tests above leave such names behind; the shared test folder must not leak them into /tmp.
        var dir = new TempFolder();
        using (var make = Process.Start("bash", ["-c", "mkdir \"$1\"/$'\\xe9'lans && touch \"$1\"/$'\\xe9'lans/a.jpg \"$1\"/$'\\xff'birds.jpg", "bash", dir.Path]))
        {
            make.WaitForExit();
            Assert.Equal(0, make.ExitCode);
        }

        dir.Dispose();

        Assert.False(Directory.Exists(dir.Path));
    }
}
