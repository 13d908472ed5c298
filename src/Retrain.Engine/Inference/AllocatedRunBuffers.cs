using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Retrain.Inference;

/// <summary>
/// <see cref="RunBuffers"/> allocated by an ONNX Runtime allocator, e.g. the CUDA provider's page-locked host memory,
/// which the GPU reads and writes by DMA without a staging copy. The memory is host memory, filled and read in place;
/// each OrtValue owns its allocation and returns it to the allocator, which must outlive them.
/// </summary>
internal sealed class AllocatedRunBuffers : RunBuffers
{
    private readonly OrtMemoryInfo _memory;

    private AllocatedRunBuffers(int batchSize, OrtValue inputValue, OrtValue outputValue, OrtMemoryInfo memory)
        : base(batchSize, inputValue, outputValue)
    {
        _memory = memory;
    }

    public override Span<float> Input => InputValue.GetTensorMutableDataAsSpan<float>();

    public override Span<float> Output => OutputValue.GetTensorMutableDataAsSpan<float>();

    // The view says the memory is the allocator's (page-locked for the CUDA provider), so ONNX Runtime copies it to
    // the device as it does the whole batch, by DMA.
    private protected override unsafe OrtValue View(OrtValue value, long offset, long[] shape)
    {
        var start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(value.GetTensorMutableDataAsSpan<float>())) + offset;
        return OrtValue.CreateTensorValueWithData(_memory, TensorElementType.Float, shape, (nint)start, Product(shape) * sizeof(float));
    }

    public static AllocatedRunBuffers Create(OrtAllocator allocator, int batchSize, long[] inputShape, long[] outputShape)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var inputValue = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, inputShape);
        try
        {
            var outputValue = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, outputShape);
            return new AllocatedRunBuffers(batchSize, inputValue, outputValue, allocator.Info);
        }
        catch
        {
            inputValue.Dispose();
            throw;
        }
    }
}
