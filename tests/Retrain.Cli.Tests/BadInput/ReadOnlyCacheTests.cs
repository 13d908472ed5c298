using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests.BadInput;

/// <summary>
/// A team's bottleneck cache on read-only storage: retraining over it reads its vectors, computes any it lacks for
/// the run only, and says so; it was refused up front (exit 6) even when complete. A cache that holds nothing for the
/// model, or a --bottlenecks_only run, whose only output is the cache, is still refused before any work. Run as a
/// child process without root's file-permission override, so the folder's mode applies as it does to a user.
/// </summary>
public sealed class ReadOnlyCacheTests : IDisposable
{
    private const UnixFileMode ReadAndList =
        UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Writable = ReadAndList | UnixFileMode.UserWrite;

    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly RetrainOptions _options;

    public ReadOnlyCacheTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 5, classes: ["blue", "red"]);
        _options = TinyRuns.Options(_work.Path, _imageDir, TinyBackbone.Write(_work.Path));
    }

    public void Dispose()
    {
        foreach (var folder in Directory.GetDirectories(_work.Path, "*", SearchOption.AllDirectories))
        {
            SetMode(folder, Writable);
        }

        _work.Dispose();
    }

    [Fact]
    public void CompleteCache_IsReadAndLeftAsItIs()
    {
        SkipOnWindows();
        RetrainEngine.Run(_options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var cacheRoot = MakeCacheReadOnly();
        var snapshot = InputSnapshot.Take(_options.BottleneckDir);
        File.Delete(_options.OutputGraph);

        using var retrain = RetrainProcess.Start(RetrainProcess.RetrainDll, TinyRuns.Arguments(_options), null, asUserWithoutOverride: true);

        Assert.Equal(0, retrain.WaitForExit());
        Assert.Contains(
            $"The bottleneck cache {cacheRoot} cannot be written (permission denied); it holds 10 vectors of this model, which are used",
            retrain.Log,
            StringComparison.Ordinal);
        Assert.DoesNotContain("not kept:", retrain.Log, StringComparison.Ordinal);
        Assert.True(File.Exists(_options.OutputGraph), retrain.Log);
        snapshot.AssertUnchanged();
    }

    [Fact]
    public void CacheLackingAPhoto_ComputesItForTheRunAndSaysItIsNotKept()
    {
        SkipOnWindows();
        RetrainEngine.Run(_options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var cacheRoot = MakeCacheReadOnly();
        File.WriteAllBytes(Path.Combine(_imageDir, "red", "new-photo.png"), TinyDataset.Image("red", seed: 99));
        var snapshot = InputSnapshot.Take(_options.BottleneckDir);

        using var retrain = RetrainProcess.Start(RetrainProcess.RetrainDll, TinyRuns.Arguments(_options), null, asUserWithoutOverride: true);

        Assert.Equal(0, retrain.WaitForExit());
        Assert.Contains(
            $"The cache lacked 1 of this run's vectors, which were not kept: {cacheRoot} cannot be written, so the next run computes them again. Give a writable --bottleneck_dir to keep them",
            retrain.Log,
            StringComparison.Ordinal);
        snapshot.AssertUnchanged();
    }

    [Fact]
    public void ReadOnlyFolderWithoutThisModelsVectors_IsRefusedBeforeAnyBottleneck()
    {
        SkipOnWindows();
        Directory.CreateDirectory(_options.BottleneckDir);
        SetMode(_options.BottleneckDir, ReadAndList);

        using var retrain = RetrainProcess.Start(RetrainProcess.RetrainDll, TinyRuns.Arguments(_options), null, asUserWithoutOverride: true);

        Assert.Equal((int)ExitCode.IoError, retrain.WaitForExit());
        Assert.Contains($"Cannot write to '{_options.BottleneckDir}' (for --bottleneck_dir)", retrain.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Bottleneck cache:", retrain.Log, StringComparison.Ordinal); // refused before the model is opened
        Assert.Empty(Directory.GetFileSystemEntries(_options.BottleneckDir));
        Assert.False(File.Exists(_options.OutputGraph));
    }

    [Fact]
    public void BottlenecksOnly_RefusesAReadOnlyCacheBeforeAnyBottleneck()
    {
        SkipOnWindows();
        RetrainEngine.Run(_options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var cacheRoot = MakeCacheReadOnly();
        File.WriteAllBytes(Path.Combine(_imageDir, "red", "new-photo.png"), TinyDataset.Image("red", seed: 99));

        using var retrain = RetrainProcess.Start(
            RetrainProcess.RetrainDll, [.. TinyRuns.Arguments(_options), "--bottlenecks_only"], null, asUserWithoutOverride: true);

        Assert.Equal((int)ExitCode.IoError, retrain.WaitForExit());
        Assert.Contains($"Cannot write to '{cacheRoot}' (for --bottleneck_dir)", retrain.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Cached the bottlenecks", retrain.Log, StringComparison.Ordinal);
    }

    /// <summary>Makes the cache folder and its model folder read-only for this user; returns the model folder.</summary>
    private string MakeCacheReadOnly()
    {
        var cacheRoot = Directory.GetDirectories(_options.BottleneckDir).Single();
        SetMode(cacheRoot, ReadAndList);
        SetMode(_options.BottleneckDir, ReadAndList);
        return cacheRoot;
    }

    private static void SetMode(string folder, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, mode);
        }
    }

    private static void SkipOnWindows()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("POSIX permissions only.");
        }
    }
}
