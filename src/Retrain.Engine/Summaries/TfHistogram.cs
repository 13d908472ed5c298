using Retrain.Protos.TensorFlow;

namespace Retrain.Summaries;

/// <summary>
/// The histogram tf.summary.histogram records (TensorFlow's histogram::Histogram with its default buckets): bucket
/// limits grow by 10% from 1e-12 to 1e20 on each side of zero, with ±DBL_MAX at the ends; a value falls in the first
/// bucket whose limit is above it. Runs of empty buckets are merged into one, as TensorFlow does when it encodes the
/// proto, so a histogram of a few thousand weights takes a few hundred bytes.
/// </summary>
internal static class TfHistogram
{
    private static readonly double[] Limits = DefaultLimits();

    public static HistogramProto Of(ReadOnlySpan<float> values)
    {
        var counts = new double[Limits.Length];
        var proto = new HistogramProto();
        if (values.IsEmpty)
        {
            return proto;
        }

        double min = double.MaxValue, max = double.MinValue, sum = 0, sumSquares = 0;
        foreach (var f in values)
        {
            double v = f;
            var index = Array.BinarySearch(Limits, v);

            // A value equal to a limit belongs to the next bucket up ("first limit above the value").
            index = index >= 0 ? index + 1 : ~index;
            counts[Math.Min(index, Limits.Length - 1)]++;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            sumSquares += v * v;
        }

        proto.Min = min;
        proto.Max = max;
        proto.Num = values.Length;
        proto.Sum = sum;
        proto.SumSquares = sumSquares;
        for (var i = 0; i < counts.Length;)
        {
            var limit = Limits[i];
            var count = counts[i];
            i++;
            if (count == 0)
            {
                while (i < counts.Length && counts[i] == 0)
                {
                    limit = Limits[i];
                    i++;
                }
            }

            proto.BucketLimit.Add(limit);
            proto.Bucket.Add(count);
        }

        return proto;
    }

    private static double[] DefaultLimits()
    {
        var positive = new List<double>();
        for (var v = 1.0e-12; v < 1.0e20; v *= 1.1)
        {
            positive.Add(v);
        }

        positive.Add(double.MaxValue);
        var limits = new List<double>(positive.Count * 2 + 1);
        for (var i = positive.Count - 1; i >= 0; i--)
        {
            limits.Add(-positive[i]);
        }

        limits.Add(0.0);
        limits.AddRange(positive);
        return limits.ToArray();
    }
}
