using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 7: a backbone or preprocessing that yields NaN or infinite bottlenecks ended in "Training diverged
/// ... Lower --learning_rate", with the vectors cached. A computed non-finite vector now stops the run (bad model,
/// naming the model and --input_mean/--input_std) before it is cached; one read from the cache is recomputed like a
/// damaged record.
/// </summary>
public sealed class NonFiniteBottleneckTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void TinyInputStd_IsABadModelErrorNamingThePreprocessing_AndNothingIsCached()
    {
        var options = TinyOptions(TinyBackbone.Write(_work.Path));
        options = options with { Model = options.Model with { InputStd = 1e-45f } };
        var snapshot = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains($"The model '{options.TfhubModule}' computed a bottleneck ('{TinyBackbone.BottleneckNode}') that is not all finite numbers", error.Message, StringComparison.Ordinal);
        Assert.Contains("--input_std 1E-45", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("learning_rate", error.Message, StringComparison.Ordinal);
        AssertNothingCached(options.BottleneckDir);
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    [Fact]
    public void GraphWithABitFlippedToNaN_IsABadModelError_AndNothingIsCached()
    {
        var graph = TinyBackbone.Graph();
        var bias = graph.Node.Single(n => n.Name == "conv/bias").Attr["value"].Tensor;
        var values = TensorProtos.ToFloats(bias);
        values[0] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(values[0]) | 0x7F800001); // exponent all ones: NaN
        graph.Node.Single(n => n.Name == "conv/bias").Attr["value"].Tensor = TensorProtos.FromFloats(values, [values.Length]);
        var options = TinyOptions(TinyBackbone.Write(graph, _work.Path, "flipped.pb"));
        var snapshot = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("flipped.pb' computed a bottleneck", error.Message, StringComparison.Ordinal);
        Assert.Contains("the model file may be damaged", error.Message, StringComparison.Ordinal);
        AssertNothingCached(options.BottleneckDir);
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    [Fact]
    public void CachedRecordOfNaNsWithValidChecksums_IsRecomputed()
    {
        var options = TinyOptions(TinyBackbone.Write(_work.Path));
        var first = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var image = Directory.GetFiles(Path.Combine(options.ImageDir, "red")).Order(StringComparer.Ordinal).First(p => !first.TestImages.Contains(p));
        using (var cache = TinyRuns.Cache(options.BottleneckDir))
        {
            cache.Write(BottleneckCache.ContentKey(File.ReadAllBytes(image)), Enumerable.Repeat(float.NaN, TinyBackbone.BottleneckLength).ToArray());
            cache.Flush();
        }

        var snapshot = InputSnapshot.Take(_work.Path);
        var again = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(1, again.BottlenecksComputed);
        Assert.Equal(first.Training.Test.Accuracy, again.Training.Test.Accuracy);
        using (var cache = TinyRuns.Cache(options.BottleneckDir))
        {
            Assert.True(TinyRuns.HasVector(cache, image));
        }

        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    [Fact]
    public void DistortedPhotosGivingNaN_AreABadModelError_NotADivergence()
    {
        // sqrt(1.2 - pixel): finite for every photo as it is (pixels in [0, 1]), NaN for one brightened past 1.2.
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, TinyBackbone.Size, TinyBackbone.Size, 3);
        g.Const("headroom", [1.2f], 1);
        g.Op("Sub", "room", ["headroom", "input"]);
        g.Op("Sqrt", "root", ["room"]);
        g.IntConst("pool/axes", [1, 2], 2);
        g.Op("Mean", "bottleneck", ["root", "pool/axes"], Bool("keep_dims", false));
        var options = TinyOptions(TinyBackbone.Write(g.Graph, _work.Path, "root.pb")) with { RandomBrightness = 100 };
        var snapshot = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains("root.pb' computed a bottleneck ('bottleneck') that is not all finite numbers", error.Message, StringComparison.Ordinal);
        Assert.Contains("--input_mean 0 and --input_std 255", error.Message, StringComparison.Ordinal);
        snapshot.AssertUnchanged(Path.Combine(_work.Path, "out"), options.BottleneckDir);
    }

    private static void AssertNothingCached(string bottleneckDir)
    {
        foreach (var folder in Directory.Exists(bottleneckDir) ? Directory.GetDirectories(bottleneckDir) : [])
        {
            using var cache = new BottleneckCache(bottleneckDir, Path.GetFileName(folder), TinyBackbone.BottleneckLength);
            var contents = cache.Inspect();
            Assert.Empty(contents.IntactKeys);
            Assert.Empty(contents.DamagedKeys);
        }
    }

    private RetrainOptions TinyOptions(string model)
    {
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 5, classes: ["blue", "red"]);
        return TinyRuns.Options(_work.Path, imageDir, model) with { Model = new ModelOverrides(InputNode: "input", OutputNode: "bottleneck") };
    }
}
