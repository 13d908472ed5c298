using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

/// <summary>
/// A batch's input and output for one batch size, preallocated and wrapped once as OrtValues, so repeated runs with
/// that batch size allocate nothing and callers fill the input and read the output in place. Each kind of memory is
/// one type: <see cref="ArrayRunBuffers"/> (managed arrays pinned for the values' lifetime, the CPU's) and
/// <see cref="AllocatedRunBuffers"/> (memory from an ONNX Runtime allocator, such as the CUDA provider's page-locked
/// host memory). Owns both OrtValues.
/// </summary>
internal abstract class RunBuffers : IDisposable
{
    private protected RunBuffers(int batchSize, OrtValue inputValue, OrtValue outputValue)
    {
        BatchSize = batchSize;
        InputValue = inputValue;
        OutputValue = outputValue;
    }

    /// <summary>
    /// Images <paramref name="start"/> to start + <paramref name="count"/> - 1 of these buffers as buffers of their own,
    /// over the same memory (no copy): a run on them reads and writes those images in place. The view owns only its
    /// OrtValues; this must outlive it. Needs a dynamic batch (buffers made with the batch as the first dimension).
    /// </summary>
    public RunBuffers Images(int start, int count, long[] inputShapePerItem, long[] outputShapePerItem)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, BatchSize);
        var inputPerItem = Product(inputShapePerItem);
        var outputPerItem = Product(outputShapePerItem);
        var input = View(InputValue, start * inputPerItem, [count, .. inputShapePerItem]);
        try
        {
            var output = View(OutputValue, start * outputPerItem, [count, .. outputShapePerItem]);
            return new RunBuffersView(
                count,
                input,
                output,
                this,
                Elements(start * inputPerItem, count * inputPerItem),
                Elements(start * outputPerItem, count * outputPerItem));
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    public int BatchSize { get; }

    /// <summary>The batch's input, back to back in the model's layout.</summary>
    public abstract Span<float> Input { get; }

    /// <summary>The batch's output, filled by a run.</summary>
    public abstract Span<float> Output { get; }

    public OrtValue InputValue { get; }

    public OrtValue OutputValue { get; }

    /// <summary>An OrtValue of <paramref name="shape"/> over <paramref name="value"/>'s memory from element <paramref name="offset"/> on.</summary>
    private protected abstract OrtValue View(OrtValue value, long offset, long[] shape);

    public virtual void Dispose()
    {
        InputValue.Dispose();
        OutputValue.Dispose();
    }

    private static Range Elements(long start, long length) => new(checked((int)start), checked((int)(start + length)));

    internal static long Product(long[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            n *= d;
        }

        return n;
    }
}
