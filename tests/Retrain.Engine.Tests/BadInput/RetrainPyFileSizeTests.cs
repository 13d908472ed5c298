using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 9 (second part): a 3 GB file or a link to /dev/zero in --retrain_py_bottleneck_dir was read whole
/// (4.3 GB peak, OutOfMemoryException, exit 1). Neither is a vector retrain.py wrote: each is ignored with a warning
/// naming it, before it is read, and its photo's vector is computed.
/// </summary>
public sealed class RetrainPyFileSizeTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void FileOf3GiB_IsIgnoredWithAWarningNamingIt_BeforeBeingRead()
    {
        var (options, file) = WithRetrainPyFile(path =>
        {
            using var sparse = new FileStream(path, FileMode.CreateNew);
            sparse.SetLength(3L << 30); // sparse: no disk, and nothing to read unless someone reads it
        });

        AssertIgnored(options, file, "it is 3.0 GiB, above the 16 MiB limit for a retrain.py bottleneck file");
    }

    [Fact]
    public void LinkToDevZero_IsIgnoredWithAWarningNamingIt_WithoutBeingOpened()
    {
        var (options, file) = WithRetrainPyFile(path => File.CreateSymbolicLink(path, "/dev/zero"));

        AssertIgnored(options, file, "it is a character device, not a regular file");
    }

    private static void AssertIgnored(RetrainOptions options, string file, string reason)
    {
        var snapshot = InputSnapshot.Take(Path.GetDirectoryName(options.ImageDir)!);
        var log = new LogCapture();

        var result = RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.BottlenecksImported);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains(file, StringComparison.Ordinal) && m.Contains(reason, StringComparison.Ordinal));
        snapshot.AssertUnchanged(Path.GetDirectoryName(options.OutputGraph)!, options.BottleneckDir);
    }

    private (RetrainOptions Options, string File) WithRetrainPyFile(Action<string> create)
    {
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        var image = Directory.GetFiles(Path.Combine(imageDir, "red")).Order(StringComparer.Ordinal).First();
        var legacy = Path.Combine(_work.Path, "retrain_py");
        var file = Path.Combine(legacy, "red", Path.GetFileName(image) + ".txt");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        create(file);
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path)) with { RetrainPyBottleneckDir = legacy };
        return (options, file);
    }
}
