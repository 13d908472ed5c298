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

    public int BatchSize { get; }

    /// <summary>The batch's input, back to back in the model's layout.</summary>
    public abstract Span<float> Input { get; }

    /// <summary>The batch's output, filled by a run.</summary>
    public abstract Span<float> Output { get; }

    public OrtValue InputValue { get; }

    public OrtValue OutputValue { get; }

    public virtual void Dispose()
    {
        InputValue.Dispose();
        OutputValue.Dispose();
    }

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
