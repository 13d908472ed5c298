namespace Retrain.Training;

/// <summary>The per-class loss weights a <see cref="ClassWeighting"/> gives a training part.</summary>
internal static class ClassWeights
{
    /// <summary>Null for <see cref="ClassWeighting.None"/>; a class with no training rows gets 0 (it has no loss to weigh).</summary>
    public static float[]? Of(ClassWeighting weighting, LabeledVectors training, int classCount)
    {
        if (weighting == ClassWeighting.None)
        {
            return null;
        }

        var counts = new int[classCount];
        foreach (var label in training.Labels)
        {
            counts[label]++;
        }

        var present = counts.Count(c => c > 0);
        return counts.Select(c => c == 0 ? 0f : (float)((double)training.Count / ((double)present * c))).ToArray();
    }
}
