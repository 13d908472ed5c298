namespace Retrain.Inference;

/// <summary>How a <see cref="ModelRunner"/> runs its model.</summary>
/// <param name="Device">CPU, or CUDA where this build of ONNX Runtime supports it.</param>
/// <param name="IntraOpThreads">Threads ONNX Runtime uses inside one op; 0 lets it choose (one per physical core).</param>
public sealed record InferenceSettings(ExecutionDevice Device = ExecutionDevice.Cpu, int IntraOpThreads = 0);
