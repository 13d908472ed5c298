using Retrain.Bottlenecks;
using Retrain.Data;
using Xunit;

namespace Retrain.Tests.Data;

public class DatasetPartsTests
{
    private static readonly ImageLists Lists = new("/img",
    [
        new ImageClass("a", "a", ["/img/a/t1", "/img/a/t2"], ["/img/a/v1"], ["/img/a/s1"]),
        new ImageClass("b", "b", ["/img/b/t1"], [], ["/img/b/s1", "/img/b/s2"]),
    ]);

    [Fact]
    public void AllPaths_ArePartByPart_ClassByClassInsideEachPart()
    {
        var parts = DatasetParts.From(Lists);

        Assert.Equal(
            ["/img/a/t1", "/img/a/t2", "/img/b/t1", "/img/a/v1", "/img/a/s1", "/img/b/s1", "/img/b/s2"],
            parts.AllPaths);
    }

    [Fact]
    public void Split_SharesTheVectorArray_AndLeavesOutFailedImages()
    {
        var parts = DatasetParts.From(Lists);
        const int length = 2;
        var vectors = Enumerable.Range(0, parts.AllPaths.Count).SelectMany(i => new float[] { i, i + 0.5f }).ToArray();
        bool[] available = [true, false, true, true, true, false, true]; // a/t2 and b/s1 failed to decode
        var set = new BottleneckSet(length, vectors, available, 5, 0, []);

        var (training, validation, testing) = parts.Split(set);

        Assert.Equal(["/img/a/t1", "/img/b/t1"], training.Paths);
        Assert.Equal([0, 1], training.Labels);
        Assert.Equal([0f, 0.5f], training.Vector(0).ToArray());
        Assert.Equal([2f, 2.5f], training.Vector(1).ToArray());
        Assert.Equal(["/img/a/v1"], validation.Paths);
        Assert.Equal([3f, 3.5f], validation.Vector(0).ToArray());
        Assert.Equal(["/img/a/s1", "/img/b/s2"], testing.Paths);
        Assert.Equal([0, 1], testing.Labels);
        Assert.Equal([4f, 4.5f], testing.Vector(0).ToArray());
        Assert.Equal([6f, 6.5f], testing.Vector(1).ToArray());

        // No copy: the parts are consecutive runs at the front of the set's own array.
        Assert.Equal([0f, 0.5f, 2f, 2.5f, 3f, 3.5f, 4f, 4.5f, 6f, 6.5f], vectors[..10]);
    }
}
