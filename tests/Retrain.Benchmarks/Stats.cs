using System.Globalization;

namespace Retrain.Benchmarks;

/// <summary>Medians and the invariant number formatting every report line uses.</summary>
internal static class Stats
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The median of <paramref name="runs"/> results of <paramref name="measure"/>.</summary>
    public static double MedianOf(int runs, Func<double> measure)
    {
        var values = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            values.Add(measure());
        }

        return Median(values);
    }

    /// <summary>Three significant digits at least, no exponent: 16.4, 0.912, 1234.</summary>
    public static string F(double value) => double.IsNaN(value) ? "nan" : value switch
    {
        >= 100 or <= -100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 or <= -10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        >= 1 or <= -1 => value.ToString("0.00", CultureInfo.InvariantCulture),
        _ => value.ToString("0.000", CultureInfo.InvariantCulture),
    };

    public static string List(IEnumerable<double> values) => string.Join(",", values.Select(F));
}
