using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class BatchSamplerTests
{
    [Fact]
    public void Next_PicksClassesUniformlyWhateverTheirSize()
    {
        // Class sizes 1, 10, 100 and 500: retrain.py picks the class first, so each still gets a quarter of the rows.
        var labels = Enumerable.Repeat(0, 1).Concat(Enumerable.Repeat(1, 10)).Concat(Enumerable.Repeat(2, 100))
            .Concat(Enumerable.Repeat(3, 500)).ToArray();
        var part = SyntheticVectors.Random(2, labels, seed: 1);
        var sampler = new BatchSampler(part, classCount: 4);
        var rows = new int[40_000];

        Assert.Equal(rows.Length, sampler.Next(rows.Length, new Random(7), rows));

        var perClass = new int[4];
        var perRow = new int[part.Count];
        foreach (var row in rows)
        {
            perClass[labels[row]]++;
            perRow[row]++;
        }

        // Chi-square with 3 degrees of freedom: 30 is far beyond any plausible value for a uniform sampler.
        Assert.True(ChiSquare(perClass, 10_000) < 30, string.Join(", ", perClass));

        // Within a class, images are uniform too (class 1: 10 images, about 1,000 picks each; 9 degrees of freedom).
        Assert.True(ChiSquare(perRow[1..11], perClass[1] / 10.0) < 40, string.Join(", ", perRow[1..11]));
    }

    [Fact]
    public void Next_NeverPicksClassesWithoutImages()
    {
        int[] labels = [0, 0, 2, 2, 2, 4];
        var sampler = new BatchSampler(SyntheticVectors.Random(3, labels, seed: 1), classCount: 5);
        var rows = new int[30_000];

        sampler.Next(rows.Length, new Random(3), rows);

        var perClass = new int[5];
        foreach (var row in rows)
        {
            perClass[labels[row]]++;
        }

        Assert.Equal(0, perClass[1]);
        Assert.Equal(0, perClass[3]);
        Assert.True(ChiSquare([perClass[0], perClass[2], perClass[4]], 10_000) < 25, string.Join(", ", perClass));
    }

    [Fact]
    public void Next_NegativeSize_TakesTheWholePartInOrder()
    {
        var sampler = new BatchSampler(SyntheticVectors.Random(3, [2, 0, 1, 0, 2], seed: 1), classCount: 3);
        var rows = new int[5];
        var rng = new Random(1);
        var untouched = new Random(1);

        Assert.Equal(5, sampler.Next(-1, rng, rows));

        Assert.Equal([0, 1, 2, 3, 4], rows);
        Assert.Equal(untouched.Next(), rng.Next()); // a whole-part batch draws no random numbers
    }

    [Fact]
    public void Next_SameSeed_SameBatch()
    {
        var sampler = new BatchSampler(SyntheticVectors.Random(3, [0, 1, 1, 2, 2, 2], seed: 1), classCount: 3);
        var first = new int[50];
        var second = new int[50];

        sampler.Next(50, new Random(9), first);
        sampler.Next(50, new Random(9), second);

        Assert.Equal(first, second);
    }

    [Fact]
    public void EmptyPart_WholeBatchIsEmpty()
    {
        var sampler = new BatchSampler(LabeledVectors.Empty(4), classCount: 2);

        Assert.True(sampler.IsEmpty);
        Assert.Equal(0, sampler.Next(-1, new Random(1), []));
        Assert.Throws<InvalidOperationException>(() => sampler.Next(3, new Random(1), new int[3]));
    }

    private static double ChiSquare(IEnumerable<int> observed, double expected) =>
        observed.Sum(o => (o - expected) * (o - expected) / expected);
}
