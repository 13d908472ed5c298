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

    [Fact]
    public void Split_TakesTheVectorsOver_SoTheSetCannotBeReadAfterwards()
    {
        var parts = DatasetParts.From(Lists);
        var vectors = new float[parts.AllPaths.Count];
        var set = new BottleneckSet(1, vectors, [true, false, true, true, true, false, true], 5, 0, [new ImageFailure("/img/a/t2", "bad")]);

        var (training, _, _) = parts.Split(set);

        Assert.Throws<InvalidOperationException>(() => set.Vectors);
        Assert.Throws<InvalidOperationException>(() => set.Available);
        Assert.Throws<InvalidOperationException>(() => set.Vector(0).Length);
        Assert.Throws<InvalidOperationException>(() => parts.Split(set));
        Assert.Equal(2, training.Count);
        Assert.Equal(5, set.Computed);
        Assert.Equal("/img/a/t2", Assert.Single(set.Failures).Path);
    }

    [Fact]
    public void BottleneckSet_BeforeItsVectorsAreTaken_ReadsThem()
    {
        float[] vectors = [1f, 2f, 3f, 4f];
        var set = new BottleneckSet(2, vectors, [true, true], 2, 0, []);

        Assert.Equal([3f, 4f], set.Vector(1).ToArray());
        var (taken, available) = set.TakeVectors();
        Assert.Same(vectors, taken);
        Assert.Equal([true, true], available);
    }
}
