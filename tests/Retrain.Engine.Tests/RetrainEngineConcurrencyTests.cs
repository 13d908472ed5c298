using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// Issue 5, concurrent runs: two <see cref="RetrainEngine.Run"/> calls at once sharing one --bottleneck_dir, with one
/// model or two, both finish with the result a run alone gives, and leave a cache with an intact vector for every
/// image and model (each run appends to a pack of its own, so racing runs never write into one file).
/// </summary>
public sealed class RetrainEngineConcurrencyTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly IReadOnlyList<string> _images;

    public RetrainEngineConcurrencyTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        _images = TinyDataset.Create(_imageDir, perClass: 15);
    }

    public void Dispose() => _work.Dispose();

    private RetrainOptions Options(string name, string model, string bottleneckDir) =>
        TinyRuns.Options(Path.Combine(_work.Path, name), _imageDir, model) with { BottleneckDir = bottleneckDir };

    /// <summary>Starts both runs together (a barrier releases them at once) and waits for both.</summary>
    private static RetrainResult[] RunTogether(params RetrainOptions[] runs)
    {
        using var start = new Barrier(runs.Length);
        var tasks = runs.Select(options => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                return RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        return Task.WhenAll(tasks).GetAwaiter().GetResult();
    }

    private static RetrainResult RunAlone(RetrainOptions options) =>
        RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

    private void AssertCacheHoldsAnIntactVectorPerImage(string bottleneckDir, string cacheFolder)
    {
        using var cache = new BottleneckCache(bottleneckDir, cacheFolder, TinyBackbone.BottleneckLength);
        Assert.All(_images, image => Assert.True(TinyRuns.HasVector(cache, image), image));
        var contents = cache.Inspect();
        Assert.Empty(contents.DamagedKeys);
        Assert.Equal(0, contents.UnreadBytes);
        Assert.Equal(_images.Count, contents.IntactKeys.Distinct().Count()); // nothing but these images' vectors
        Assert.InRange(contents.Packs.Count, 1, 2); // at most one pack per run
        Assert.Equal(contents.Packs.Order(), Directory.GetFiles(cache.Root, "*", SearchOption.AllDirectories).Order());
    }

    [Fact]
    public void TwoRunsOfOneModel_SharingTheCache_BothMatchARunAlone()
    {
        var model = TinyBackbone.Write(_work.Path);
        var shared = Path.Combine(_work.Path, "shared-bottlenecks");
        var alone = RunAlone(Options("alone", model, Path.Combine(_work.Path, "alone-bottlenecks")));

        var results = RunTogether(Options("first", model, shared), Options("second", model, shared));

        foreach (var result in results)
        {
            Assert.Equal(_images.Count, result.BottlenecksComputed + result.BottlenecksReused);
            Assert.Equal(alone.Training.Layer.Weights, result.Training.Layer.Weights);
            Assert.Equal(alone.Training.Layer.Biases, result.Training.Layer.Biases);
            Assert.Equal(File.ReadAllBytes(alone.OutputGraph), File.ReadAllBytes(result.OutputGraph));
        }

        var folder = Assert.Single(Directory.GetDirectories(shared));
        AssertCacheHoldsAnIntactVectorPerImage(shared, Path.GetFileName(folder));
    }

    [Fact]
    public void TwoRunsOfDifferentModels_SharingTheCache_KeepTheirVectorsApart()
    {
        var modelA = TinyBackbone.Write(_work.Path, "a.pb");
        var other = TinyBackbone.Build();
        other.Graph.Node.Single(n => n.Name == "conv/bias").Attr["value"].Tensor = TensorProtos.FromFloats([-0.3f, -0.6f, -0.4f, 0.7f, 0.2f, 0.4f], TinyBackbone.BottleneckLength);
        var modelB = TinyBackbone.Write(other.Graph, _work.Path, "b.pb");
        var shared = Path.Combine(_work.Path, "shared-bottlenecks");
        var aloneA = RunAlone(Options("alone-a", modelA, Path.Combine(_work.Path, "alone-a-bottlenecks")));
        var aloneB = RunAlone(Options("alone-b", modelB, Path.Combine(_work.Path, "alone-b-bottlenecks")));

        var results = RunTogether(Options("a", modelA, shared), Options("b", modelB, shared));

        Assert.Equal(aloneA.Training.Layer.Weights, results[0].Training.Layer.Weights);
        Assert.Equal(aloneB.Training.Layer.Weights, results[1].Training.Layer.Weights);
        Assert.NotEqual(results[0].Training.Layer.Weights, results[1].Training.Layer.Weights);
        Assert.All(results, r => Assert.Equal(_images.Count, r.BottlenecksComputed));
        var folders = Directory.GetDirectories(shared).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, folders.Count);
        Assert.StartsWith("a-", folders[0], StringComparison.Ordinal);
        Assert.StartsWith("b-", folders[1], StringComparison.Ordinal);
        Assert.All(folders, f => AssertCacheHoldsAnIntactVectorPerImage(shared, f!));
    }
}
