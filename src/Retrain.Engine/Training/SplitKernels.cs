namespace Retrain.Training;

/// <summary>
/// <see cref="LinearKernels"/> over two cores: the logits by halves of the batch, the weight gradient by halves of the
/// vector's columns. Every logit and every gradient element is computed exactly as one call on one thread computes
/// it, so training gives the same bits with or without the partner. Without a partner, and for calls too small to gain
/// from a second core, everything runs on the caller.
/// </summary>
internal sealed unsafe class SplitKernels : IHalvedWork
{
    /// <summary>
    /// Multiply-adds below which a call stays on one thread. A hand-over costs about a microsecond, but the second
    /// thread also has to fetch the weights or errors the first one just wrote: a batch of 100 on 256-d vectors and 5
    /// classes (128,000) ran slower split, 1,024-d (512,000) about as fast, 2,048-d (1,024,000) faster (figures in docs/performance.md).
    /// </summary>
    private const long MinimumWork = 400_000;

    private const int FloatsPerLine = 64 / sizeof(float);

    private readonly PartnerThread? _partner;

    // One call's arguments, for the partner's half. The spans they point into are pinned by the calling method until
    // both halves are done.
    private Operation _operation;
    private float* _vectors;
    private int _vectorCount;
    private int _vectorLength;
    private int* _rows;
    private int _rowCount;
    private float* _classMajor;
    private float* _biases;
    private int _classCount;
    private float* _perRow;
    private int _split;

    private float[] _packedWeights = [];
    private int _classMajorLength;

    public SplitKernels(PartnerThread? partner) => _partner = partner;

    /// <summary>
    /// Whether the calls run <see cref="PanelKernels"/> (faster on whole-part batches, other last bits) instead of
    /// <see cref="LinearKernels"/>.
    /// </summary>
    public bool UsePanels { get; set; }

    private enum Operation
    {
        Logits,
        WeightGradient,
    }

    /// <summary>As <see cref="LinearKernels.Logits"/>.</summary>
    public void Logits(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> weightsByClass,
        ReadOnlySpan<float> biases,
        Span<float> logits)
    {
        LinearKernels.CheckShapes(vectors, vectorLength, rows, weightsByClass, biases.Length, logits.Length);
        if (UsePanels)
        {
            var length = PanelKernels.PackedLength(biases.Length, vectorLength);
            if (_packedWeights.Length != length)
            {
                _packedWeights = new float[length];
            }

            PanelKernels.PackWeights(weightsByClass, biases.Length, vectorLength, _packedWeights);
            weightsByClass = _packedWeights;
        }

        // Rows go in pairs (an even split keeps every pair whole, as the single call pairs them).
        var split = rows.Length / 4 * 2;
        if (_partner is null || split == 0 || (long)rows.Length * vectorLength * biases.Length < MinimumWork)
        {
            LogitsOnOneThread(vectors, vectorLength, rows, weightsByClass, biases, logits);
            return;
        }

        // The partner's spans are rebuilt from pointers and these lengths, checked above against the real ones.
        _classMajorLength = weightsByClass.Length;
        fixed (float* v = vectors, w = weightsByClass, b = biases, o = logits)
        fixed (int* r = rows)
        {
            Post(Operation.Logits, v, vectors.Length, vectorLength, r, rows.Length, w, b, biases.Length, o, split);
        }
    }

    /// <summary>As <see cref="LinearKernels.WeightGradient(ReadOnlySpan{float}, int, ReadOnlySpan{int}, ReadOnlySpan{float}, int, Span{float})"/>.</summary>
    public void WeightGradient(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> errors,
        int classCount,
        Span<float> gradient)
    {
        if (_partner is null || vectorLength < 2 * FloatsPerLine || (long)rows.Length * vectorLength * classCount < MinimumWork)
        {
            WeightGradientOnOneThread(vectors, vectorLength, rows, errors, classCount, gradient, 0, vectorLength);
            return;
        }

        LinearKernels.CheckShapes(vectors, vectorLength, rows, gradient, classCount, errors.Length);
        _classMajorLength = gradient.Length;
        fixed (float* v = vectors, e = errors, g = gradient)
        fixed (int* r = rows)
        {
            // Both threads store into every class's gradient row once per pair of batch rows: a cache line holding
            // columns of both halves would bounce between the cores fifty times a call. So the split falls on a line
            // boundary of the pinned array; any split computes the same bits.
            var lineOffset = (int)((nuint)g / sizeof(float) % FloatsPerLine);
            var split = (vectorLength / 2) - ((lineOffset + (vectorLength / 2)) % FloatsPerLine);
            Post(Operation.WeightGradient, v, vectors.Length, vectorLength, r, rows.Length, g, null, classCount, e, split);
        }
    }

    void IHalvedWork.RunHalf(int half)
    {
        var vectors = new ReadOnlySpan<float>(_vectors, _vectorCount);
        var rows = new ReadOnlySpan<int>(_rows, _rowCount);
        var classMajor = new Span<float>(_classMajor, _classMajorLength);
        var perRow = new Span<float>(_perRow, _rowCount * _classCount);
        if (_operation == Operation.Logits)
        {
            var (first, end) = half == 0 ? (0, _split) : (_split, _rowCount);
            LogitsOnOneThread(
                vectors,
                _vectorLength,
                rows[first..end],
                classMajor,
                new ReadOnlySpan<float>(_biases, _classCount),
                perRow[(first * _classCount)..(end * _classCount)]);
        }
        else
        {
            var (first, end) = half == 0 ? (0, _split) : (_split, _vectorLength);
            WeightGradientOnOneThread(vectors, _vectorLength, rows, perRow, _classCount, classMajor, first, end);
        }
    }

    // With panels, the weights come packed (Logits packs them once for both halves).
    private void LogitsOnOneThread(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> biases,
        Span<float> logits)
    {
        if (UsePanels)
        {
            PanelKernels.Logits(vectors, vectorLength, rows, weights, biases, logits);
        }
        else
        {
            LinearKernels.Logits(vectors, vectorLength, rows, weights, biases, logits);
        }
    }

    private void WeightGradientOnOneThread(
        ReadOnlySpan<float> vectors,
        int vectorLength,
        ReadOnlySpan<int> rows,
        ReadOnlySpan<float> errors,
        int classCount,
        Span<float> gradient,
        int firstColumn,
        int endColumn)
    {
        if (UsePanels)
        {
            PanelKernels.WeightGradient(vectors, vectorLength, rows, errors, classCount, gradient, firstColumn, endColumn);
        }
        else
        {
            LinearKernels.WeightGradient(vectors, vectorLength, rows, errors, classCount, gradient, firstColumn, endColumn);
        }
    }

    private void Post(
        Operation operation,
        float* vectors,
        int vectorCount,
        int vectorLength,
        int* rows,
        int rowCount,
        float* classMajor,
        float* biases,
        int classCount,
        float* perRow,
        int split)
    {
        _operation = operation;
        _vectors = vectors;
        _vectorCount = vectorCount;
        _vectorLength = vectorLength;
        _rows = rows;
        _rowCount = rowCount;
        _classMajor = classMajor;
        _biases = biases;
        _classCount = classCount;
        _perRow = perRow;
        _split = split;
        try
        {
            _partner!.Run(this);
        }
        finally
        {
            // The pointers die with the caller's pinning; nothing may keep them.
            _vectors = _classMajor = _biases = _perRow = null;
            _rows = null;
        }
    }
}
