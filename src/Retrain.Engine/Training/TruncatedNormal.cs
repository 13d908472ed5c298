namespace Retrain.Training;

/// <summary>
/// TensorFlow's <c>tf.truncated_normal</c> as retrain.py's <c>add_final_retrain_ops</c> uses it for the initial
/// weights: normal samples, where any sample more than two standard deviations from the mean is drawn again.
/// </summary>
internal static class TruncatedNormal
{
    public const double CutoffInStddevs = 2.0;

    public static void Fill(Span<float> values, double stddev, Random rng)
    {
        for (var i = 0; i < values.Length; i++)
        {
            double z;
            do
            {
                z = StandardNormal(rng);
            }
            while (Math.Abs(z) > CutoffInStddevs);

            values[i] = (float)(z * stddev);
        }
    }

    // Box-Muller, one value per pair of uniforms: simple and fully determined by the Random's sequence.
    private static double StandardNormal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble(); // (0, 1]: keeps the logarithm finite
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
