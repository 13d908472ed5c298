using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference.Devices;

/// <summary>
/// ONNX Runtime's CPU provider driven the way <see cref="CudaDevice"/> drives a GPU: the whole model in one session
/// (none of retrain's CPU rewrites), batches through I/O binding from the session's host allocator, the final layer
/// trained by the ONNX step graph, and the GPU's default batch size. What a GPU run does, checkable where no GPU is
/// (<see cref="ExecutionDevice.CpuLikeCuda"/>): the tests and the benchmark's <c>gpu-check --device cpu</c>.
/// </summary>
internal sealed record CpuLikeCudaDevice : ExecutionDevice
{
    internal override bool RunsCpuKernels => false;

    internal override bool RunsFinalLayerOnDevice => true;

    internal override int DefaultInferenceBatchSize => CudaDevice.GpuInferenceBatchSize;

    internal override int LabelImageBatchSize => CudaDevice.GpuInferenceBatchSize;

    internal override OrtMemoryInfo CreateMemoryInfo() =>
        new(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.Default);

    internal override ModelExecution CreateWholeModel(InferenceSession session) => new BoundModel(session, CreateMemoryInfo);

    internal override void Configure(SessionOptions options, InferenceSettings settings)
    {
    }

    public override string ToString() => "cpu (run as on cuda)";
}
