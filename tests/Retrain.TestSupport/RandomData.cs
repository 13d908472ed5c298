namespace Retrain.Tests.TestSupport;

/// <summary>Reproducible random inputs for kernel tests.</summary>
public static class RandomData
{
    /// <summary><paramref name="length"/> floats uniform in [-1, 1), drawn from <paramref name="rng"/>.</summary>
    public static float[] Floats(Random rng, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
}
