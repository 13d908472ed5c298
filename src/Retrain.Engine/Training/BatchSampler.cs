namespace Retrain.Training;

/// <summary>
/// Chooses the rows of a batch the way retrain.py's <c>get_random_cached_bottlenecks</c> does: for a batch size of
/// zero or more, each row picks a class uniformly and then an image of that class uniformly, with replacement; a
/// negative size takes the whole part in order. Unlike retrain.py (which crashed), classes with no images in this
/// part are never picked.
/// </summary>
internal sealed class BatchSampler
{
    private readonly int[][] _rowsByClass;
    private readonly int[] _classesWithImages;

    public BatchSampler(LabeledVectors part, int classCount)
    {
        Part = part;
        var counts = new int[classCount];
        foreach (var label in part.Labels)
        {
            counts[label]++;
        }

        _rowsByClass = counts.Select(n => new int[n]).ToArray();
        Array.Clear(counts);
        for (var row = 0; row < part.Count; row++)
        {
            var label = part.Labels[row];
            _rowsByClass[label][counts[label]++] = row;
        }

        _classesWithImages = Enumerable.Range(0, classCount).Where(c => _rowsByClass[c].Length > 0).ToArray();
    }

    public LabeledVectors Part { get; }

    public bool IsEmpty => Part.Count == 0;

    /// <summary>How many rows a batch of <paramref name="batchSize"/> holds: the whole part when negative.</summary>
    public int BatchLength(int batchSize) => batchSize < 0 ? Part.Count : batchSize;

    /// <summary>Writes the batch's row indices into <paramref name="rows"/> and returns how many were written.</summary>
    public int Next(int batchSize, Random rng, Span<int> rows)
    {
        var length = BatchLength(batchSize);
        if (batchSize < 0)
        {
            for (var i = 0; i < length; i++)
            {
                rows[i] = i;
            }

            return length;
        }

        if (IsEmpty)
        {
            throw new InvalidOperationException("Cannot sample from an empty part.");
        }

        for (var i = 0; i < length; i++)
        {
            var classRows = _rowsByClass[_classesWithImages[rng.Next(_classesWithImages.Length)]];
            rows[i] = classRows[rng.Next(classRows.Length)];
        }

        return length;
    }
}
