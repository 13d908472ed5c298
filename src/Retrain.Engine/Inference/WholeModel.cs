using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

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
