using System.Runtime.InteropServices;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// `scripts/build.sh --self-contained`: the commands with the .NET runtime inside, for GPU nodes and cluster machines
/// that have no .NET. Its label-image runs with no dotnet reachable and prints what the framework-dependent build prints.
/// </summary>
public sealed class SelfContainedBuildTests
{
    [Fact]
    public void SelfContainedLabelImage_RunsWithoutDotnetAndAgreesWithTheUsualBuild()
    {
        var root = SharedData.RepositoryRoot;
        ChildRun.Checked("bash", [Path.Combine(root, "scripts", "build.sh"), "--self-contained"], TimeSpan.FromMinutes(10));
        var rid = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var bin = Path.Combine(root, ".artifacts", "bin-" + rid);
        Assert.True(File.Exists(Path.Combine(bin, "libcoreclr.so")), "the build holds no .NET runtime");
        string[] arguments =
        [
            "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
            "--labels", SharedData.Path("models/mobilenet_v1_0.25_224/labels.txt"),
            "--output_layer", "MobilenetV1/Predictions/Reshape_1",
            "--image", SharedData.Path("images/imagenet/grace_hopper.bmp"),
        ];

        // No dotnet on the path and none where DOTNET_ROOT points: only the runtime inside the build can start it.
        var alone = ChildRun.Checked(Path.Combine(bin, "label-image"), arguments, TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["PATH"] = "/nonexistent", ["DOTNET_ROOT"] = "/nonexistent" });
        var usual = ChildRun.Checked(RetrainProcess.DotnetHost(), [RetrainProcess.LabelImageDll, .. arguments], TimeSpan.FromMinutes(2));

        Assert.Equal(usual, alone);
        Assert.StartsWith("bow tie, bow-tie, bowtie 0.3952", alone, StringComparison.Ordinal);
    }
}
