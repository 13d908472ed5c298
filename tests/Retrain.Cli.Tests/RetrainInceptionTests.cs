using System.Text.RegularExpressions;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// retrain.py's default backbone on real photos: the command samples/flowers step 4 shows (the shared Inception-v3
/// folder as --tfhub_module, the flower photos as --image_dir), through the real command line from a checkout layout.
/// The slowest test of the suite (750 Inception-v3 bottlenecks: over a minute on 2 cores).
/// </summary>
public class RetrainInceptionTests
{
    [Fact]
    public void Retrain_WithTheSharedInceptionV3Folder_TrainsAndPrintsWhatTheWalkthroughShows()
    {
        const string Step = "4. With Inception-v3";
        var walkthrough = Walkthrough.Load("flowers");
        using var dir = new TempFolder();

        var (code, log, project) = CheckoutLayout.Retrain(dir, walkthrough.Arguments(Step, 0, "scripts/train.sh"));

        Assert.True(code == 0, log);
        Assert.Contains("(inception_v3): input input 299x299", log, StringComparison.Ordinal);
        Assert.Contains("pool_3/_reshape (2048 values)", log, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(project, walkthrough.FlagValue(Step, 0, "--output_graph"))));
        walkthrough.AssertLogShows(Step, block: 1, log);

        TestContext.Current.SendDiagnosticMessage(Regex.Match(log, @"Final test accuracy = .*").Value);
    }
}
