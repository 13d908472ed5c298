using Retrain.Training;

namespace Retrain.Tests.Training;

/// <summary>Bottleneck-like data made in code: Gaussian clusters, one per class, and plain random vectors.</summary>
internal static class SyntheticVectors
{
    /// <summary>
    /// <paramref name="perClass"/> vectors per class, class by class, each its class centre plus unit Gaussian noise.
    /// Centres are drawn once from <paramref name="centreSeed"/> with spread <paramref name="separation"/>, so parts
    /// made with one centre seed and different sample seeds share their clusters.
    /// </summary>
    public static LabeledVectors Clusters(int classCount, int perClass, int length, double separation, int centreSeed, int sampleSeed)
    {
        var centreRng = new Random(centreSeed);
        var centres = new double[classCount * length];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = Gaussian(centreRng) * separation;
        }

        var rng = new Random(sampleSeed);
        var count = classCount * perClass;
        var vectors = new float[count * length];
        var labels = new int[count];
        var paths = new string[count];
        for (var i = 0; i < count; i++)
        {
            var label = i / perClass;
            labels[i] = label;
            paths[i] = $"images/class{label}/img{i:0000}.jpg";
            for (var k = 0; k < length; k++)
            {
                vectors[(i * length) + k] = (float)(centres[(label * length) + k] + Gaussian(rng));
            }
        }

        return new LabeledVectors(length, vectors, labels, paths);
    }

    /// <summary>Random vectors with the given labels (values uniform in [-1, 1)).</summary>
    public static LabeledVectors Random(int length, int[] labels, int seed)
    {
        var rng = new Random(seed);
        var vectors = new float[labels.Length * length];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return new LabeledVectors(length, vectors, labels, labels.Select((l, i) => $"c{l}/{i}.jpg").ToArray());
    }

    public static double Gaussian(Random rng) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());
}
