using Retrain.Summaries;
using Xunit;

namespace Retrain.Tests.Summaries;

public class TfHistogramTests
{
    [Fact]
    public void Of_PutsEachValueInTheBucketWhoseLimitIsTheFirstAboveIt_AndMergesEmptyRuns()
    {
        float[] values = [-0.5f, 0f, 0f, 1e-3f, 1e-3f, 2f, 1e30f];

        var h = TfHistogram.Of(values);

        Assert.Equal(values.Length, h.Num);
        Assert.Equal(-0.5, h.Min);
        Assert.Equal(1e30f, h.Max);
        Assert.Equal(values.Sum(v => (double)v), h.Sum);
        Assert.Equal(h.BucketLimit.Count, h.Bucket.Count);
        Assert.Equal(values.Length, h.Bucket.Sum());
        Assert.True(h.BucketLimit.Zip(h.BucketLimit.Skip(1)).All(p => p.First < p.Second), "limits ascend");
        Assert.Equal(double.MaxValue, h.BucketLimit[^1]);

        // Recount by the rule "a value belongs to the first limit above it" over the merged limits: same counts.
        var recount = new double[h.BucketLimit.Count];
        foreach (var v in values)
        {
            recount[h.BucketLimit.ToList().FindIndex(limit => limit > v)]++;
        }

        Assert.Equal(recount, h.Bucket);

        // Merging leaves no two empty buckets side by side.
        Assert.DoesNotContain(h.Bucket.Zip(h.Bucket.Skip(1)), p => p.First == 0 && p.Second == 0);
        var zeroBucket = h.BucketLimit.ToList().FindIndex(limit => limit > 0);
        Assert.Equal(2, h.Bucket[zeroBucket]); // the two zeros: [0, 1e-12)
        Assert.Equal(1e-12, h.BucketLimit[zeroBucket]);
    }

    [Fact]
    public void Of_Empty_IsAnEmptyHistogram()
    {
        var h = TfHistogram.Of([]);

        Assert.Equal(0, h.Num);
        Assert.Empty(h.Bucket);
    }
}
