using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class SoftmaxKernelTests
{
    [Fact]
    public void SoftmaxInPlace_SumsToOneAndReturnsLogSumExp()
    {
        float[] values = [0.5f, -1.25f, 2f, 0f, 3.5f];
        var expectedLogSumExp = Math.Log(values.Sum(v => Math.Exp(v)));
        var expected = values.Select(v => Math.Exp(v - expectedLogSumExp)).ToArray();

        var logSumExp = SoftmaxKernel.SoftmaxInPlace(values);

        Assert.Equal(expectedLogSumExp, logSumExp, 5);
        Assert.Equal(1.0, values.Sum(v => (double)v), 6);
        for (var c = 0; c < values.Length; c++)
        {
            Assert.Equal(expected[c], values[c], 6);
        }
    }

    [Theory]
    [InlineData(5, 1f)]
    [InlineData(101, 8f)]
    [InlineData(3, 1000f)] // large logits: both subtract the largest first
    public void SoftmaxInPlaceVectorized_MatchesTheScalarLoop(int classCount, float scale)
    {
        var rng = new Random(classCount);
        var scalar = Enumerable.Range(0, classCount).Select(_ => (float)((rng.NextDouble() - 0.5) * scale)).ToArray();
        var vectorized = (float[])scalar.Clone();

        var expected = SoftmaxKernel.SoftmaxInPlace(scalar);
        var actual = SoftmaxKernel.SoftmaxInPlaceVectorized(vectorized);

        Assert.Equal(expected, actual, 1e-5 * Math.Max(1, Math.Abs(expected)));
        for (var c = 0; c < classCount; c++)
        {
            Assert.Equal(scalar[c], vectorized[c], 1e-6);
        }
    }

    [Fact]
    public void SoftmaxInPlace_LargeLogits_StayFinite()
    {
        float[] huge = [1000f, 1001f, 999f, -1000f];
        float[] tiny = [-1000f, -1001f, -999f];

        var hugeLogSumExp = SoftmaxKernel.SoftmaxInPlace(huge);
        SoftmaxKernel.SoftmaxInPlace(tiny);

        Assert.All(huge.Concat(tiny), p => Assert.True(float.IsFinite(p) && p >= 0));
        Assert.Equal(1.0, huge.Sum(v => (double)v), 6);
        Assert.Equal(1.0, tiny.Sum(v => (double)v), 6);
        Assert.Equal(0.6652409, huge[1], 5); // e / (1 + e + 1/e)
        Assert.Equal(1001.40760596, hugeLogSumExp, 3);
        Assert.Equal(0f, huge[3]);
    }

    [Fact]
    public void ArgMax_TakesTheFirstOfEqualMaxima()
    {
        Assert.Equal(1, SoftmaxKernel.ArgMax([0.1f, 0.4f, 0.4f, 0.1f]));
        Assert.Equal(0, SoftmaxKernel.ArgMax([1f]));
    }

    [Fact]
    public void Transpose_SwapsRowsAndColumns()
    {
        float[] source = [1, 2, 3, 4, 5, 6]; // 2 x 3
        var destination = new float[6];

        SoftmaxKernel.Transpose(source, 2, 3, destination);

        Assert.Equal([1f, 4, 2, 5, 3, 6], destination);
    }
}
