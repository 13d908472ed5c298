using Retrain.Training;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>The two-core kernels give the single-threaded kernels' bits, so training does not depend on the core count.</summary>
public sealed class SplitKernelsTests : IDisposable
{
    private readonly PartnerThread _partner = new();

    // Every shape is above the size at which calls are split, except the last two (which stay on one thread).
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 5, 2048, 100 }, { 5, 2048, 101 }, { 7, 1001, 90 }, { 1, 4096, 100 }, { 101, 256, 33 }, { 5, 256, 100 }, { 5, 2048, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Logits_AreTheBitsOfOneThread(int classCount, int length, int batch)
    {
        var (data, rows, rng) = Batch(length, batch);
        var weights = RandomData.Floats(rng, classCount * length);
        var biases = RandomData.Floats(rng, classCount);
        var alone = new float[batch * classCount];
        var split = Enumerable.Repeat(float.NaN, (batch * classCount) + 3).ToArray(); // longer, as training's scratch is

        LinearKernels.Logits(data.AllVectors, length, rows, weights, biases, alone);
        new SplitKernels(_partner).Logits(data.AllVectors, length, rows, weights, biases, split);

        Assert.Equal(alone, split[..alone.Length]);
        Assert.All(split[alone.Length..], v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_IsTheBitsOfOneThread(int classCount, int length, int batch)
    {
        var (data, rows, rng) = Batch(length, batch);
        var errors = RandomData.Floats(rng, batch * classCount);
        var alone = new float[classCount * length];
        var split = Enumerable.Repeat(float.NaN, classCount * length).ToArray();

        LinearKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, alone);
        new SplitKernels(_partner).WeightGradient(data.AllVectors, length, rows, errors, classCount, split);

        Assert.Equal(alone, split);
    }

    [Fact]
    public void Training_EndsWithTheWeightsOfOneThread()
    {
        var data = SyntheticVectors.Clusters(classCount: 5, perClass: 40, length: 2048, separation: 0.2, centreSeed: 1, sampleSeed: 2);
        var alone = new TrainableLayer(new FinalLayer(2048, 5, new Random(3)));
        var split = new TrainableLayer(new FinalLayer(2048, 5, new Random(3)), _partner);
        var rng = new Random(4);
        var rows = new int[100];
        var scratch = new float[rows.Length * 5];

        for (var step = 0; step < 20; step++)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                rows[i] = rng.Next(data.Count);
            }

            var lossAlone = alone.ComputeGradient(data, rows, scratch);
            alone.Descend(0.5f);
            var lossSplit = split.ComputeGradient(data, rows, scratch);
            split.Descend(0.5f);
            Assert.Equal(lossAlone, lossSplit);
        }

        Assert.Equal(alone.WeightsByClass, split.WeightsByClass);
        Assert.Equal(alone.Biases, split.Biases);
        Assert.NotEqual(new FinalLayer(2048, 5, new Random(3)).Biases, split.Biases); // it did train
    }

    [Fact]
    public void WithoutAPartner_RunsOnTheCaller()
    {
        var (data, rows, rng) = Batch(2048, 100);
        var errors = RandomData.Floats(rng, 100 * 5);
        var alone = new float[5 * 2048];
        var kernels = new float[5 * 2048];

        LinearKernels.WeightGradient(data.AllVectors, 2048, rows, errors, 5, alone);
        new SplitKernels(null).WeightGradient(data.AllVectors, 2048, rows, errors, 5, kernels);

        Assert.Equal(alone, kernels);
    }

    [Fact]
    public void RowOutsideTheData_ThrowsAndThePartnerGoesOn()
    {
        var (data, rows, rng) = Batch(2048, 100);
        var weights = RandomData.Floats(rng, 5 * 2048);
        var logits = new float[100 * 5];
        var kernels = new SplitKernels(_partner);
        rows[^1] = data.Count; // in the partner's half: refused before either half runs

        Assert.Throws<ArgumentOutOfRangeException>(() => kernels.Logits(data.AllVectors, 2048, rows, weights, new float[5], logits));
        rows[^1] = 0;
        kernels.Logits(data.AllVectors, 2048, rows, weights, new float[5], logits);
    }

    [Fact]
    public void BuffersShorterThanTheShapes_Throw()
    {
        var (data, rows, _) = Batch(2048, 100);
        var kernels = new SplitKernels(_partner);

        Assert.Throws<ArgumentException>(() => kernels.Logits(data.AllVectors, 2048, rows, new float[(5 * 2048) - 1], new float[5], new float[500]));
        Assert.Throws<ArgumentException>(() => kernels.Logits(data.AllVectors, 2048, rows, new float[5 * 2048], new float[5], new float[499]));
        Assert.Throws<ArgumentException>(() => kernels.WeightGradient(data.AllVectors, 2048, rows, new float[499], 5, new float[5 * 2048]));
        Assert.Throws<ArgumentException>(() => kernels.WeightGradient(data.AllVectors, 2048, rows, new float[500], 5, new float[5 * 2047]));
    }

    public void Dispose() => _partner.Dispose();

    private static (LabeledVectors Data, int[] Rows, Random Rng) Batch(int length, int batch)
    {
        var data = SyntheticVectors.Random(length, new int[150], seed: length);
        var rng = new Random(batch);
        var rows = Enumerable.Range(0, batch).Select(_ => rng.Next(data.Count)).ToArray();
        return (data, rows, rng);
    }
}
