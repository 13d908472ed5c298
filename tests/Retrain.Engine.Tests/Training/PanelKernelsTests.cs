using Retrain.Training;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>
/// lbfgs's register-blocked kernels: the products of <see cref="LinearKernels"/> to within float rounding, each element
/// one fixed chain whatever the tiling, the batch position or the thread split.
/// </summary>
public sealed class PanelKernelsTests : IDisposable
{
    private readonly PartnerThread _partner = new();

    // Class counts cover every tile size of both kernels (1..6 classes, 1..3 vectors of classes, 13 vectors in
    // 3 + 3 + 3 + 2 + 2, 101 classes in 17 groups); lengths cover the SIMD remainders and the 256-value depth blocks;
    // batches cover partial row tiles and blocks, and more rows than one gradient chunk.
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 8, 1 }, { 2, 37, 3 }, { 5, 64, 4 }, { 6, 100, 5 }, { 7, 2048, 7 }, { 17, 515, 34 }, { 24, 33, 9 }, { 101, 300, 300 }, { 9, 1030, 600 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Logits_MatchTheLinearKernels(int classCount, int length, int batch)
    {
        var (data, rows, rng) = Batch(length, batch);
        var weights = RandomData.Floats(rng, classCount * length);
        var biases = RandomData.Floats(rng, classCount);
        var expected = new float[batch * classCount];
        var packed = new float[PanelKernels.PackedLength(classCount, length)];
        var actual = Enumerable.Repeat(float.NaN, (batch * classCount) + 2).ToArray();

        LinearKernels.Logits(data.AllVectors, length, rows, weights, biases, expected);
        PanelKernels.PackWeights(weights, classCount, length, packed);
        PanelKernels.Logits(data.AllVectors, length, rows, packed, biases, actual);

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5 * Math.Sqrt(length));
        }

        Assert.All(actual[expected.Length..], v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Logits_AreOneFusedChainPerElement(int classCount, int length, int batch)
    {
        // The promise that makes the bits independent of tiling and SIMD width: a logit is the scalar chain.
        var (data, rows, rng) = Batch(length, batch);
        var weights = RandomData.Floats(rng, classCount * length);
        var biases = RandomData.Floats(rng, classCount);
        var packed = new float[PanelKernels.PackedLength(classCount, length)];
        var actual = new float[batch * classCount];

        PanelKernels.PackWeights(weights, classCount, length, packed);
        PanelKernels.Logits(data.AllVectors, length, rows, packed, biases, actual);

        for (var i = 0; i < batch; i++)
        {
            var x = data.Vector(rows[i]);
            for (var c = 0; c < classCount; c++)
            {
                var sum = 0f;
                for (var k = 0; k < length; k++)
                {
                    sum = MathF.FusedMultiplyAdd(x[k], weights[(c * length) + k], sum);
                }

                Assert.Equal(sum + biases[c], actual[(i * classCount) + c]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_MatchesTheLinearKernels(int classCount, int length, int batch)
    {
        var (data, rows, rng) = Batch(length, batch);
        var errors = RandomData.Floats(rng, batch * classCount);
        var expected = new float[classCount * length];
        var actual = Enumerable.Repeat(float.NaN, classCount * length).ToArray(); // must be overwritten

        LinearKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, expected);
        PanelKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, actual, 0, length);

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5 * Math.Sqrt(batch));
        }
    }

    [Theory]
    [InlineData(101, 2048, 1024, 600)]
    [InlineData(7, 1001, 37, 300)] // the second range starts off the SIMD grid
    [InlineData(6, 700, 699, 20)] // one column, in the scalar tail
    [InlineData(2, 64, 0, 9)] // an empty first range
    public void WeightGradient_ColumnRangesGiveTheBitsOfTheWholeCall(int classCount, int length, int split, int batch)
    {
        var (data, rows, rng) = Batch(length, batch);
        var errors = RandomData.Floats(rng, batch * classCount);
        var whole = new float[classCount * length];
        var halves = Enumerable.Repeat(float.NaN, classCount * length).ToArray();

        PanelKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, whole, 0, length);
        PanelKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, halves, 0, split);
        Assert.Equal(float.NaN, halves[^1]); // the second range is still untouched
        PanelKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, halves, split, length);

        Assert.Equal(whole, halves);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OnTwoCores_AreTheBitsOfOneThread(int classCount, int length, int batch)
    {
        var (data, rows, rng) = Batch(length, batch);
        var weights = RandomData.Floats(rng, classCount * length);
        var biases = RandomData.Floats(rng, classCount);
        var errors = RandomData.Floats(rng, batch * classCount);
        var packed = new float[PanelKernels.PackedLength(classCount, length)];
        var logitsAlone = new float[batch * classCount];
        var logitsSplit = new float[batch * classCount];
        var gradientAlone = new float[classCount * length];
        var gradientSplit = new float[classCount * length];
        var kernels = new SplitKernels(_partner) { UsePanels = true };

        PanelKernels.PackWeights(weights, classCount, length, packed);
        PanelKernels.Logits(data.AllVectors, length, rows, packed, biases, logitsAlone);
        PanelKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, gradientAlone, 0, length);
        kernels.Logits(data.AllVectors, length, rows, weights, biases, logitsSplit);
        kernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, gradientSplit);

        Assert.Equal(logitsAlone, logitsSplit);
        Assert.Equal(gradientAlone, gradientSplit);
    }

    public void Dispose() => _partner.Dispose();

    private static (LabeledVectors Data, int[] Rows, Random Rng) Batch(int length, int batch)
    {
        var data = SyntheticVectors.Random(length, new int[Math.Max(batch, 20)], seed: length);
        var rng = new Random(batch);
        var rows = Enumerable.Range(0, batch).Select(_ => rng.Next(data.Count)).ToArray();
        return (data, rows, rng);
    }
}
