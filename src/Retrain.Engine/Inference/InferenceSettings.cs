namespace Retrain.Inference;

/// <summary>How a <see cref="ModelRunner"/> runs its model.</summary>
public sealed record InferenceSettings
{
    /// <param name="Device">The CPU (null, the default), or a CUDA GPU where this build of ONNX Runtime has the provider.</param>
    /// <param name="IntraOpThreads">Threads ONNX Runtime uses inside one op; 0 lets it choose (one per physical core).</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1725", Justification = "Named as the properties they set, for named arguments.")]
    public InferenceSettings(ExecutionDevice? Device = null, int IntraOpThreads = 0)
    {
        this.Device = Device ?? ExecutionDevice.Cpu;
        this.IntraOpThreads = IntraOpThreads;
    }

    public ExecutionDevice Device { get; init; }

    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's idle intra-op threads busy-wait for the next parallel section (its default) instead of
    /// sleeping. Spinning wins a little when the model has the cores to itself; while images are decoded on the same
    /// cores, spinning threads burn the time the decoders need, so the bottleneck pipeline turns it off.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>
    /// Whether 3x3 stride-1 convolutions (Inception-v3's stem and the branches of its 35x35 and 8x8 blocks) run on
    /// retrain's Winograd kernel instead of ONNX Runtime's direct convolution, on CPUs with AVX2 and FMA: a quarter of
    /// the multiplications, results within about 1e-5 relative of ONNX Runtime's. Off means one plain ONNX Runtime session.
    /// </summary>
    public bool WinogradConvolutions { get; init; } = true;

    /// <summary>
    /// Whether the session allocates its working memory from one CPU arena that every session so configured shares,
    /// instead of an arena of its own. The stages of a cut model run one after another, so sharing lets each reuse
    /// the memory the one before it freed; with an arena each, the process held the sum of their peaks.
    /// </summary>
    internal bool SharedArena { get; init; }
}
