using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Runs `retrain` as the README and the walkthroughs type it: from a project folder with shared/ beside it, paths
/// relative to the project. retrain.py's split hashes the image path as given, so running from a folder laid out like
/// a checkout gives every machine the walkthroughs' split (the same 74 flower test images), wherever its shared/ lives.
/// </summary>
internal static class CheckoutLayout
{
    /// <summary>
    /// Runs `retrain` with <paramref name="arguments"/> in &lt;dir&gt;/project, &lt;dir&gt;/shared linked to the shared data
    /// and the bottleneck cache in project/bottlenecks (so nothing goes to the user's default /tmp folder).
    /// </summary>
    public static (int Code, string Log, string Project) Retrain(TempFolder dir, IEnumerable<string> arguments)
    {
        Assert.True(Directory.Exists(SharedData.Path("datasets/flower_photos_dev")));
        var project = Path.Combine(dir.Path, "project");
        if (!Directory.Exists(project))
        {
            Directory.CreateDirectory(project);
            Directory.CreateSymbolicLink(Path.Combine(dir.Path, "shared"), SharedData.Root!);
        }

        using var run = RetrainProcess.Start([.. arguments, "--bottleneck_dir", "bottlenecks"], workingDirectory: project);
        var code = run.WaitForExit();
        return (code, run.Log, project);
    }
}
