using System.Globalization;
using System.Text.RegularExpressions;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue #2's acceptance run, typed as the README types it: from a project folder with shared/ beside it,
/// `retrain --image_dir ../shared/datasets/flower_photos_dev` with the MobileNet 0.25_224 graph and default training
/// flags. retrain.py's split hashes the image path as given, so running from a folder laid out like a checkout gives
/// every machine the same 74 test images, wherever its shared/ really lives.
/// </summary>
public class RetrainFlowersCommandTests
{
    [Fact]
    public void Flowers_FromACheckoutLayout_ReachAtLeast70PercentTestAccuracy()
    {
        var dataset = SharedData.Path("datasets/flower_photos_dev");
        Assert.True(Directory.Exists(dataset));
        using var dir = new TempFolder();
        var project = Directory.CreateDirectory(Path.Combine(dir.Path, "project")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "shared"), SharedData.Root!);

        using var run = RetrainProcess.Start(
            [
                "--image_dir", "../shared/datasets/flower_photos_dev",
                "--tfhub_module", "../shared/models/mobilenet_v1_0.25_224/frozen_graph.pb",
                "--output_graph", "out/output_graph.pb",
                "--output_labels", "out/output_labels.txt",
                "--bottleneck_dir", "bottlenecks",
            ],
            workingDirectory: project);
        var code = run.WaitForExit();

        Assert.True(code == 0, run.Log);
        var final = Regex.Match(run.Log, @"Final test accuracy = ([0-9.]+)% \(N=(\d+)\)");
        Assert.True(final.Success, run.Log);
        Assert.Equal("74", final.Groups[2].Value);
        var accuracy = double.Parse(final.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 70, $"test accuracy {accuracy}%\n{run.Log}");
        Assert.Contains("Step 3999: Validation accuracy = ", run.Log, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(project, "out", "output_graph.pb")).Length > 100_000);
        Assert.Equal("daisy\ndandelion\nroses\nsunflowers\ntulips\n", File.ReadAllText(Path.Combine(project, "out", "output_labels.txt")));
        TestContext.Current.SendDiagnosticMessage(final.Value);
    }
}
