namespace Retrain.Inference;

/// <summary>How a <see cref="ModelRunner"/> runs its model.</summary>
/// <param name="Device">CPU, or CUDA where this build of ONNX Runtime supports it.</param>
/// <param name="IntraOpThreads">Threads ONNX Runtime uses inside one op; 0 lets it choose (one per physical core).</param>
public sealed record InferenceSettings(ExecutionDevice Device = ExecutionDevice.Cpu, int IntraOpThreads = 0)
{
    /// <summary>
    /// Whether ONNX Runtime's idle intra-op threads busy-wait for the next parallel section (its default) instead of
    /// sleeping. Spinning wins a little when the model has the cores to itself; while images are decoded on the same
    /// cores, spinning threads burn the time the decoders need, so the bottleneck pipeline turns it off.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>
    /// Whether 3x3 stride-1 convolutions that the whole model passes through (an Inception stem) run on retrain's
    /// Winograd kernel instead of ONNX Runtime's direct convolution, on CPUs with AVX2 and FMA: a quarter of the
    /// multiplications, results within about 1e-5 relative of ONNX Runtime's. Off means one plain ONNX Runtime session.
    /// </summary>
    public bool WinogradConvolutions { get; init; } = true;
}
