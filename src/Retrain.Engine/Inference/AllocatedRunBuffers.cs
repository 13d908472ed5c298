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
    private AllocatedRunBuffers(int batchSize, OrtValue inputValue, OrtValue outputValue)
        : base(batchSize, inputValue, outputValue)
    {
    }

    public override Span<float> Input => InputValue.GetTensorMutableDataAsSpan<float>();

    public override Span<float> Output => OutputValue.GetTensorMutableDataAsSpan<float>();

    public static AllocatedRunBuffers Create(OrtAllocator allocator, int batchSize, long[] inputShape, long[] outputShape)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var inputValue = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, inputShape);
        try
        {
            var outputValue = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, outputShape);
            return new AllocatedRunBuffers(batchSize, inputValue, outputValue);
        }
        catch
        {
            inputValue.Dispose();
            throw;
        }
    }
}
