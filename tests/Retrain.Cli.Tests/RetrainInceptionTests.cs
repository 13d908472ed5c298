using System.Text.RegularExpressions;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// retrain.py's default backbone on real photos: the shared Inception-v3 folder passed as --tfhub_module, the flower
/// photos as --image_dir, through the real command line. The slowest test of the suite (about a minute on 2 cores:
/// Inception-v3 computes ~17 bottlenecks a second).
/// </summary>
public class RetrainInceptionTests
{
    [Fact]
    public void Retrain_WithTheSharedInceptionV3Folder_TrainsAndReportsTestAccuracy()
    {
        using var dir = new TempFolder();
        var (code, _, err) = CliRunner.Run(
            RetrainCommand.Create(),
            RetrainCommand.Execute,
            "--image_dir", SharedData.Path("datasets/flower_photos_dev"),
            "--tfhub_module", SharedData.Path("models/inception_v3"),
            "--bottleneck_dir", Path.Combine(dir.Path, "bottlenecks"),
            "--output_graph", Path.Combine(dir.Path, "output_graph.pb"),
            "--output_labels", Path.Combine(dir.Path, "output_labels.txt"),
            "--how_many_training_steps", "500");

        Assert.True(code == 0, err);
        Assert.Contains("(inception_v3): input input 299x299", err, StringComparison.Ordinal);
        Assert.Contains("pool_3/_reshape (2048 values)", err, StringComparison.Ordinal);
        var accuracy = Regex.Match(err, @"Final test accuracy = ([0-9.]+)% \(N=(\d+)\)");
        Assert.True(accuracy.Success, err);
        Assert.True(File.Exists(Path.Combine(dir.Path, "output_graph.pb")));
        TestContext.Current.SendDiagnosticMessage(accuracy.Value);
    }
}
