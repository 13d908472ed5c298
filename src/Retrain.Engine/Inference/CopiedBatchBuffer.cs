namespace Retrain.Inference;

/// <summary>
/// A <see cref="BatchBuffer"/> in a managed array, each run's images copied into the runner's own input buffer: what
/// the CPU runs on, unchanged from before batch buffers (the copy is small next to decoding, and a cut model keeps
/// its working memory per runner buffer, so it must see the same buffers every run).
/// </summary>
internal sealed class CopiedBatchBuffer : BatchBuffer
{
    private readonly ModelRunner _runner;
    private readonly float[] _images;

    public CopiedBatchBuffer(ModelRunner runner, int capacity)
        : base(capacity, runner.InputSizePerItem, runner.OutputSizePerItem)
    {
        _runner = runner;
        _images = new float[checked(capacity * ImageLength)];
    }

    public override Span<float> Image(int slot) => _images.AsSpan(checked(slot * ImageLength), ImageLength);

    public override ReadOnlySpan<float> Run(int start, int count)
    {
        CheckRange(start, count);
        _images.AsSpan(start * ImageLength, count * ImageLength).CopyTo(_runner.InputFor(count));
        return _runner.RunInPlace(count);
    }

    public override void Dispose()
    {
    }
}
