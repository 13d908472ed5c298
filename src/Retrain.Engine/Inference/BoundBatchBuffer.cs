using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Retrain.Inference;

/// <summary>
/// A <see cref="BatchBuffer"/> in the execution's own host memory (the CUDA provider's page-locked memory on a GPU):
/// decoders write each image straight into its slot, and the run binds that same memory, so an image's pixels are
/// written once on the host and copied once, by the device's DMA, with no per-image copy in between. A run of fewer
/// images than the buffer holds binds a view of those slots. Owns its buffers.
/// </summary>
internal sealed class BoundBatchBuffer : BatchBuffer
{
    private readonly ModelExecution _execution;
    private readonly RunBuffers _buffers;
    private readonly long[] _inputShapePerItem;
    private readonly long[] _outputShapePerItem;

    /// <param name="buffers">Room for the whole batch, the batch its first dimension (a dynamic batch).</param>
    public BoundBatchBuffer(ModelExecution execution, RunBuffers buffers, long[] inputShapePerItem, long[] outputShapePerItem)
        : base(buffers.BatchSize, checked((int)RunBuffers.Product(inputShapePerItem)), checked((int)RunBuffers.Product(outputShapePerItem)))
    {
        _execution = execution;
        _buffers = buffers;
        _inputShapePerItem = inputShapePerItem;
        _outputShapePerItem = outputShapePerItem;
    }

    /// <summary>Where slot 0 starts: the tests check it is the input the run bound.</summary>
    internal unsafe nint InputAddress => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(_buffers.Input));

    public override Span<float> Image(int slot) => _buffers.Input.Slice(checked(slot * ImageLength), ImageLength);

    public override ReadOnlySpan<float> Run(int start, int count)
    {
        CheckRange(start, count);
        if (start == 0 && count == Capacity)
        {
            _execution.Run(_buffers);
        }
        else
        {
            using var images = _buffers.Images(start, count, _inputShapePerItem, _outputShapePerItem);
            _execution.Run(images);
        }

        return _buffers.Output.Slice(start * OutputLength, count * OutputLength);
    }

    public override void Dispose() => _buffers.Dispose();
}
