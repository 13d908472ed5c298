namespace Retrain.Training;

/// <summary>
/// <c>--dropout</c> on the bottleneck while training (Keras' Dropout layer before make_image_classifier's head): each
/// value of a training batch is zeroed with probability rate and the rest scaled by 1/(1-rate), so the expected input
/// is unchanged and evaluation, which never drops, needs no rescaling. The mask of a step depends only on the seed and
/// the step number (a counter-based SplitMix64 stream), not on the batch generator: the batches stay those of a run
/// without dropout, and a resumed run draws the same masks as one that was never interrupted.
/// </summary>
internal sealed class BottleneckDropout
{
    private readonly float _keep;
    private readonly float _scale;
    private readonly ulong _seed;
    private readonly int _vectorLength;
    private float[] _vectors = [];
    private int[] _labels = [];
    private string[] _paths = [];
    private int[] _rows = [];

    public BottleneckDropout(float rate, int seed, int vectorLength)
    {
        if (!(rate is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout must be above 0 and below 1.");
        }

        _keep = 1 - rate;
        _scale = 1 / _keep;
        _seed = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;
        _vectorLength = vectorLength;
    }

    /// <summary>None for a rate of 0 (retrain.py's training, untouched).</summary>
    public static BottleneckDropout? Create(TrainingSettings settings, int vectorLength) =>
        settings.Dropout == 0 ? null : new BottleneckDropout(settings.Dropout, settings.Seed, vectorLength);

    /// <summary>
    /// The batch's rows of <paramref name="data"/> with step <paramref name="step"/>'s mask applied, as a part of its
    /// own whose rows are 0..n-1 (<paramref name="rows"/> receives them). The buffers are reused from step to step.
    /// </summary>
    public LabeledVectors Apply(LabeledVectors data, ReadOnlySpan<int> batch, int step, out ReadOnlySpan<int> rows)
    {
        if (_labels.Length < batch.Length)
        {
            _vectors = new float[batch.Length * _vectorLength];
            _labels = new int[batch.Length];
            _paths = new string[batch.Length];
            _rows = Enumerable.Range(0, batch.Length).ToArray();
        }

        var state = _seed ^ unchecked((ulong)step * 0xBF58476D1CE4E5B9UL);
        var source = data.AllVectors;
        for (var i = 0; i < batch.Length; i++)
        {
            var from = source.Slice(batch[i] * _vectorLength, _vectorLength);
            var to = _vectors.AsSpan(i * _vectorLength, _vectorLength);
            for (var k = 0; k < to.Length; k += 2)
            {
                var bits = Next(ref state);
                to[k] = Uniform((uint)bits) < _keep ? from[k] * _scale : 0f;
                if (k + 1 < to.Length)
                {
                    to[k + 1] = Uniform((uint)(bits >> 32)) < _keep ? from[k + 1] * _scale : 0f;
                }
            }

            _labels[i] = data.Labels[batch[i]];
            _paths[i] = data.Paths[batch[i]];
        }

        rows = _rows.AsSpan(0, batch.Length);
        return new LabeledVectors(
            _vectorLength,
            _vectors.AsMemory(0, batch.Length * _vectorLength),
            batch.Length == _labels.Length ? _labels : _labels[..batch.Length],
            batch.Length == _paths.Length ? _paths : _paths[..batch.Length]);
    }

    /// <summary>24 random bits as a float in [0, 1).</summary>
    private static float Uniform(uint bits) => (bits >> 8) * (1f / (1 << 24));

    // SplitMix64 (Steele, Lea and Flood): a fast generator whose stream depends only on its starting state.
    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
