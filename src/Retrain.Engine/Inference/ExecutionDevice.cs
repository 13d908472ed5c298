namespace Retrain.Inference;

/// <summary>Where ONNX Runtime executes the model (the <c>--device</c> flag).</summary>
public enum ExecutionDevice
{
    Cpu,
    Cuda,
}
