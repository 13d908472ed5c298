using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Bottlenecks;

/// <summary>
/// Datasets hold byte-identical photos under different names (flower_photos has two pairs). Each gets its twin's vector
/// and is counted as its twin was, so the counts a run logs are the same on every run whatever the threads do, and the
/// model runs once per distinct photo.
/// </summary>
public sealed class BottleneckBuilderCopiesTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly List<string> _images;
    private readonly LoadedModel _model;

    public BottleneckBuilderCopiesTests()
    {
        _images = [.. TinyDataset.Create(Path.Combine(_work.Path, "images"), perClass: 6)];
        _model = LoadedModel.OpenBackbone(TinyBackbone.Write(_work.Path), TinyBackbone.Overrides, new InferenceSettings(IntraOpThreads: 1));
    }

    public void Dispose()
    {
        _model.Dispose();
        _work.Dispose();
    }

    [Fact]
    public void CopiesOfAPhoto_GetItsVector_AndTheSameCountsOnEveryRun()
    {
        // Copies right after their original and far from it, in the original's class and in another.
        var distinct = _images.Count;
        AddCopy(_images[0], "blue", "blue_copy_a.png", at: 1);
        AddCopy(_images[0], "red", "red_copy_of_blue.png", at: _images.Count);
        AddCopy(_images[9], "green", "green_copy.jpg", at: 10);

        for (var run = 0; run < 4; run++)
        {
            using var cache = new BottleneckCache(Path.Combine(_work.Path, $"cache{run}"), _model.CacheKey, _model.OutputLength);
            var set = Build(cache, batchSize: 1 + run);

            Assert.Equal((_images.Count, 0, 0, 0), (set.Computed, set.Reused, set.Imported, set.Failures.Count));
            Assert.Equal(set.Vector(0).ToArray(), set.Vector(1).ToArray());
            Assert.Equal(set.Vector(0).ToArray(), set.Vector(_images.Count - 1).ToArray());
            Assert.Equal(set.Vector(9).ToArray(), set.Vector(10).ToArray());
            Assert.NotEqual(set.Vector(0).ToArray(), set.Vector(2).ToArray());

            // One record per distinct photo: the model ran once for each.
            Assert.Equal(distinct, cache.Inspect().IntactKeys.Count);

            var again = Build(cache, batchSize: 4);
            Assert.Equal((0, _images.Count), (again.Computed, again.Reused));
            Assert.Equal(set.Vectors, again.Vectors);
        }
    }

    [Fact]
    public void ACopyOfAPhotoThatCannotBeDecoded_IsSkippedWithIt_NamingTheOriginal()
    {
        var broken = Path.Combine(_work.Path, "images", "red", "broken.png");
        File.WriteAllBytes(broken, File.ReadAllBytes(_images[0])[..40]);
        _images.Insert(0, broken);
        var copy = AddCopy(broken, "green", "broken_too.png", at: _images.Count);

        var log = new LogCapture();
        var set = new BottleneckBuilder(_model, cache: null, log.Logger, batchSize: 3).Build(_images, CancellationToken.None);

        Assert.Equal(_images.Count - 2, set.Computed);
        Assert.Equal(new[] { broken, copy }.Order(StringComparer.Ordinal), set.Failures.Select(f => f.Path).Order(StringComparer.Ordinal));
        var copyReason = Assert.Single(set.Failures, f => f.Path == copy).Reason;
        Assert.Contains(broken, copyReason, StringComparison.Ordinal);
        Assert.False(set.Available[0]);
        Assert.False(set.Available[^1]);
    }

    private string AddCopy(string original, string className, string name, int at)
    {
        var path = Path.Combine(_work.Path, "images", className, name);
        File.Copy(original, path);
        _images.Insert(at, path);
        return path;
    }

    private BottleneckSet Build(BottleneckCache cache, int batchSize) =>
        new BottleneckBuilder(_model, cache, new LogCapture().Logger, batchSize, decodeWorkers: 2).Build(_images, CancellationToken.None);
}
