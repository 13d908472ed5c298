namespace Retrain.Inference;

/// <summary>
/// Room for a batch of images that decoders fill slot by slot, from as many threads as there are slots, and the
/// model then runs a range of slots at a time (on one thread). One type per way a batch reaches the model:
/// <see cref="CopiedBatchBuffer"/> (the CPU's: managed memory, copied into the runner's own buffers, which a cut
/// model keeps its working memory for) and <see cref="BoundBatchBuffer"/> (a device's: the execution's host memory,
/// page-locked for the CUDA provider, which the run reads in place). Made by
/// <see cref="ModelRunner.CreateBatchBuffer"/>; the model must outlive it.
/// </summary>
internal abstract class BatchBuffer : IDisposable
{
    private protected BatchBuffer(int capacity, int imageLength, int outputLength)
    {
        Capacity = capacity;
        ImageLength = imageLength;
        OutputLength = outputLength;
    }

    /// <summary>How many images it holds.</summary>
    public int Capacity { get; }

    /// <summary>The input values of one image.</summary>
    public int ImageLength { get; }

    /// <summary>The output values of one image.</summary>
    public int OutputLength { get; }

    /// <summary>Slot <paramref name="slot"/>'s input, for a decoder to write one image's normalised pixels into.</summary>
    public abstract Span<float> Image(int slot);

    /// <summary>
    /// Runs the images in slots <paramref name="start"/> to start + <paramref name="count"/> - 1 and returns their
    /// count x <see cref="OutputLength"/> outputs, valid until the next run of this buffer or of its runner.
    /// </summary>
    public abstract ReadOnlySpan<float> Run(int start, int count);

    public abstract void Dispose();

    private protected void CheckRange(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Capacity);
    }
}
