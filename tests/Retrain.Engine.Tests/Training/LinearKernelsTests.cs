using Retrain.Training;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Training;

public class LinearKernelsTests
{
    // Class counts cover every group size and split (1..5 in one group, 6 = 3 + 3, 7 = 4 + 3, 11 = 4 + 4 + 3); lengths
    // cover SIMD remainders of every vector width and the gradient kernel's column blocks.
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 8, 1 }, { 2, 37, 3 }, { 3, 64, 4 }, { 4, 100, 5 }, { 5, 2048, 7 }, { 6, 515, 2 }, { 7, 33, 9 }, { 11, 1030, 6 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Logits_MatchDoubleReference(int classCount, int length, int batch)
    {
        var data = SyntheticVectors.Random(length, new int[20], seed: classCount);
        var rng = new Random(length);
        var weights = RandomData.Floats(rng, classCount * length);
        var biases = RandomData.Floats(rng, classCount);
        var rows = Enumerable.Range(0, batch).Select(_ => rng.Next(data.Count)).ToArray();
        var logits = new float[batch * classCount];

        LinearKernels.Logits(data.AllVectors, length, rows, weights, biases, logits);

        for (var i = 0; i < batch; i++)
        {
            var x = data.Vector(rows[i]);
            for (var c = 0; c < classCount; c++)
            {
                var expected = (double)biases[c];
                for (var k = 0; k < length; k++)
                {
                    expected += (double)x[k] * weights[(c * length) + k];
                }

                Assert.Equal(expected, logits[(i * classCount) + c], 1e-4 * Math.Sqrt(length));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_MatchesDoubleReference(int classCount, int length, int batch)
    {
        var data = SyntheticVectors.Random(length, new int[20], seed: classCount);
        var rng = new Random(length);
        var errors = RandomData.Floats(rng, batch * classCount);
        var rows = Enumerable.Range(0, batch).Select(_ => rng.Next(data.Count)).ToArray();
        var gradient = Enumerable.Repeat(float.NaN, classCount * length).ToArray(); // must be overwritten

        LinearKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, gradient);

        for (var c = 0; c < classCount; c++)
        {
            for (var k = 0; k < length; k++)
            {
                var expected = 0.0;
                for (var i = 0; i < batch; i++)
                {
                    expected += (double)errors[(i * classCount) + c] * data.Vector(rows[i])[k];
                }

                Assert.Equal(expected, gradient[(c * length) + k], 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(5, 2048, 1024)]
    [InlineData(5, 2048, 1020)] // the second range's blocks start off the 512-column grid
    [InlineData(3, 1001, 37)] // a last block of 452 columns, which joins the one before
    [InlineData(7, 700, 699)] // one column, inside the scalar tail
    [InlineData(2, 64, 0)] // an empty first range
    public void WeightGradient_ColumnRangesGiveTheBitsOfTheWholeCall(int classCount, int length, int split)
    {
        // Training splits the gradient by columns over two threads and promises the single-threaded bits.
        var data = SyntheticVectors.Random(length, new int[30], seed: split);
        var rng = new Random(classCount);
        var errors = RandomData.Floats(rng, 11 * classCount);
        var rows = Enumerable.Range(0, 11).Select(_ => rng.Next(data.Count)).ToArray();
        var whole = new float[classCount * length];
        var halves = Enumerable.Repeat(float.NaN, classCount * length).ToArray();

        LinearKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, whole);
        LinearKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, halves, 0, split);
        Assert.Equal(float.NaN, halves[^1]); // the second range is still untouched
        LinearKernels.WeightGradient(data.AllVectors, length, rows, errors, classCount, halves, split, length);

        Assert.Equal(whole, halves);
    }

    [Theory]
    [InlineData(-1, 8)]
    [InlineData(4, 3)]
    [InlineData(0, 9)]
    public void WeightGradient_ColumnsOutsideTheVector_Throw(int first, int end)
    {
        var data = SyntheticVectors.Random(8, new int[2], seed: 1);

        Assert.Throws<ArgumentOutOfRangeException>(
            () => LinearKernels.WeightGradient(data.AllVectors, 8, [0, 1], new float[4], 2, new float[16], first, end));
    }

    [Fact]
    public void Logits_ARowGivesTheSameBitsWhereverItSitsInTheBatch()
    {
        // Predictions must not depend on batch position or pairing, or Predict and training would disagree.
        var data = SyntheticVectors.Random(300, new int[9], seed: 1);
        var rng = new Random(2);
        var weights = RandomData.Floats(rng, 5 * 300);
        var biases = RandomData.Floats(rng, 5);
        var alone = new float[5];
        var inBatch = new float[9 * 5];

        LinearKernels.Logits(data.AllVectors, 300, [4], weights, biases, alone);
        LinearKernels.Logits(data.AllVectors, 300, [0, 1, 2, 3, 8, 4, 5, 6, 7], weights, biases, inBatch);

        Assert.Equal(alone, inBatch.AsSpan(5 * 5, 5).ToArray());
    }

    [Fact]
    public void Logits_RowOutsideData_Throws()
    {
        var data = SyntheticVectors.Random(8, new int[2], seed: 1);
        var logits = new float[2];

        Assert.Throws<ArgumentOutOfRangeException>(
            () => LinearKernels.Logits(data.AllVectors, 8, [2], new float[16], new float[2], logits));
    }
}
