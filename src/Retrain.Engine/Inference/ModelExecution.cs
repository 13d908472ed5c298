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

    /// <summary>What <see cref="CreateBuffers"/> allocates in, for the logs and the GPU check.</summary>
    public virtual string BatchMemory => "managed arrays (pinned)";

    /// <summary>Runs one batch: <paramref name="buffers"/>, made by <see cref="CreateBuffers"/>, holds its input and receives its output.</summary>
    public abstract void Run(RunBuffers buffers);

    public abstract void Dispose();
}

/// <summary>The whole model in one ONNX Runtime session.</summary>
internal sealed class WholeModel : ModelExecution
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public WholeModel(InferenceSession session)
    {
        _session = session;
        _inputNames = [.. session.InputMetadata.Keys];
        _outputNames = [.. session.OutputMetadata.Keys];
        _runOptions = new RunOptions();
    }

    public override IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _session.InputMetadata;

    public override IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _session.OutputMetadata;

    public override void Run(RunBuffers buffers) =>
        _session.Run(_runOptions, _inputNames, [buffers.InputValue], _outputNames, [buffers.OutputValue]);

    public override void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
