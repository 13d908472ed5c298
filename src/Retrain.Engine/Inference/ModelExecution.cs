using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

/// <summary>How a <see cref="ModelRunner"/> turns its input buffer into its output buffer: one ONNX Runtime session,
/// or a chain of sessions and retrain's own convolutions.</summary>
internal abstract class ModelExecution : IDisposable
{
    public abstract IReadOnlyDictionary<string, NodeMetadata> InputMetadata { get; }

    public abstract IReadOnlyDictionary<string, NodeMetadata> OutputMetadata { get; }

    /// <summary>Convolutions computed by retrain's kernel rather than ONNX Runtime (0 for a plain session).</summary>
    public virtual int OwnConvolutions => 0;

    /// <summary>
    /// Where a batch waits on the host: the buffers <see cref="Run"/> takes, for <paramref name="batchSize"/> items.
    /// Managed arrays unless the execution has memory of its own to offer; the caller disposes them before this.
    /// </summary>
    public virtual RunBuffers CreateBuffers(int batchSize, long[] inputShape, long[] outputShape) =>
        ArrayRunBuffers.Create(batchSize, inputShape, outputShape);

    /// <summary>
    /// Whether a batch is best handed over in buffers of its own <see cref="CreateBuffers"/>, which decoders fill and
    /// the run reads in place (<see cref="BoundBatchBuffer"/>), rather than copied into the runner's buffers.
    /// </summary>
    public virtual bool ReadsBatchesInPlace => false;

    /// <summary>What <see cref="CreateBuffers"/> allocates in, for the logs and the GPU check.</summary>
    public virtual string BatchMemory => "managed arrays (pinned)";

    /// <summary>Runs one batch: <paramref name="buffers"/>, made by <see cref="CreateBuffers"/>, holds its input and receives its output.</summary>
    public abstract void Run(RunBuffers buffers);

    public abstract void Dispose();
}
