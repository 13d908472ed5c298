using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>scripts/gpu-check.sh before it builds anything: what it refuses, and that it refuses cheaply.</summary>
public sealed class GpuCheckScriptTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void WithoutAnNvidiaDriver_ExitsSevenBeforeBuildingTheCudaCheck()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("bash scripts are for Linux.");
            return; // tells the platform analyzer that the Unix-only calls below run on Unix
        }

        // A PATH with neither nvidia-smi nor ldconfig (for libcuda.so.1), and a dotnet that only records that it was called: the CUDA build is a 550 MB
        // restore and a publish, which a machine without a GPU should never start.
        var bin = Directory.CreateDirectory(Path.Combine(_folder.Path, "bin")).FullName;
        var called = Path.Combine(_folder.Path, "dotnet-called");
        var dotnet = Path.Combine(bin, "dotnet");
        File.WriteAllText(dotnet, $"#!/bin/sh\ntouch '{called}'\n");
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(bin, "dirname"), "/usr/bin/dirname");
        var start = ChildRun.Start("/bin/bash", [Path.Combine(SharedData.RepositoryRoot, "scripts", "gpu-check.sh")], new Dictionary<string, string> { ["PATH"] = bin });

        var (code, _, err) = ChildRun.Run(start, TimeSpan.FromMinutes(1));

        Assert.True(code == 7, err);
        Assert.Contains("CUDA unavailable: neither nvidia-smi nor libcuda.so.1 is on this machine", err, StringComparison.Ordinal);
        Assert.False(File.Exists(called), "gpu-check.sh started dotnet without a GPU");
    }
}
