using Retrain.Inference;

namespace Retrain.Bottlenecks;

/// <summary>
/// How the bottleneck pipeline shares the cores between its two CPU consumers, the image decoders and ONNX Runtime.
/// Both get every core, and ONNX Runtime's idle threads sleep instead of spinning: a spinning thread holds a core the
/// decoders need whenever the model waits for a batch (MobileNet), and when the model is the slow stage (Inception)
/// the decoders need only a small share of the cores anyway. Chosen by measuring end-to-end images/s with
/// scripts/bench.sh --sweep (see docs/performance.md).
/// </summary>
internal static class PipelineThreads
{
    /// <summary>Image decoding workers: one per core.</summary>
    public static int DecodeWorkers => Environment.ProcessorCount;

    /// <summary>The user's inference settings, adjusted for running beside the decoders.</summary>
    public static InferenceSettings ForPipeline(InferenceSettings requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return requested with { AllowSpinning = false };
    }
}
