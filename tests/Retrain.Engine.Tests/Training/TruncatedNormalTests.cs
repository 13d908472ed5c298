using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class TruncatedNormalTests
{
    [Fact]
    public void Fill_StaysWithinTwoStddevsWithTheTruncatedSpread()
    {
        const double Stddev = 0.001;
        var values = new float[200_000];

        TruncatedNormal.Fill(values, Stddev, new Random(1));

        Assert.All(values, v => Assert.InRange(v, -2 * Stddev, 2 * Stddev));
        var mean = values.Average(v => (double)v);
        var std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));

        // A normal cut at ±2σ keeps 0.8796σ of spread; the mean's standard error here is about 2e-6.
        Assert.InRange(mean, -1.2e-5, 1.2e-5);
        Assert.InRange(std / Stddev, 0.8796 * 0.98, 0.8796 * 1.02);

        // Redrawing, not clamping: nothing piles up at the cut, and the tails beyond 1.5σ hold their 9.2%.
        Assert.DoesNotContain(values, v => Math.Abs(v) == (float)(2 * Stddev));
        var tail = values.Count(v => Math.Abs(v) > 1.5 * Stddev) / (double)values.Length;
        Assert.InRange(tail, 0.085, 0.1);
    }

    [Fact]
    public void Fill_SameSeed_SameValues()
    {
        var first = new float[100];
        var second = new float[100];

        TruncatedNormal.Fill(first, 1.0, new Random(42));
        TruncatedNormal.Fill(second, 1.0, new Random(42));

        Assert.Equal(first, second);
    }
}
