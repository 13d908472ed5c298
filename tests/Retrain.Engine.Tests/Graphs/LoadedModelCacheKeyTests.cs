using Retrain.Backbones;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

public class LoadedModelCacheKeyTests
{
    [Fact]
    public void ReducedScaleJpeg_GetsItsOwnCacheKey_AndTheDefaultKeepsTheKeyItHad()
    {
        using var dir = new TempFolder();
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, 8, 8, 3);
        g.IntConst("axes", [1, 2], 2);
        g.Op("Mean", "features", ["input", "axes"]);
        var path = Path.Combine(dir.Path, "tiny.pb");
        GraphDefFile.Save(g.Graph, path);
        using var model = LoadedModel.OpenBackbone(path, new ModelOverrides("input", "features", 8, 8, 0f, 255f), new InferenceSettings());

        Assert.Equal(model.CacheKey, model.CacheKeyFor(ImageDecodeOptions.Default));
        Assert.NotEqual(model.CacheKey, model.CacheKeyFor(new ImageDecodeOptions { ReducedScaleJpeg = true }));
        Assert.StartsWith("tiny-", model.CacheKeyFor(new ImageDecodeOptions { ReducedScaleJpeg = true }), StringComparison.Ordinal);
    }
}
