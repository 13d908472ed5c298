using Microsoft.ML.OnnxRuntime;
using Retrain.Errors;

namespace Retrain.Inference.Devices;

/// <summary>
/// ONNX Runtime's CUDA provider on one GPU. Nothing falls back to the CPU silently: before the provider is added, the
/// build, the driver, the device number and every library the provider links are checked, and whatever is missing
/// stops the run with exit code 7 naming it and what to install (<see cref="CudaEnvironment"/>).
/// </summary>
internal sealed record CudaDevice(int gpuId) : ExecutionDevice
{
    public const string Provider = "CUDAExecutionProvider";

    public int GpuId { get; } = gpuId >= 0
        ? gpuId
        : throw new RetrainException(ExitCode.Usage, $"{Flags.GpuId} {gpuId} is not a GPU number: give 0 for the first GPU, 1 for the second, ...");

    /// <summary>Images per backbone call on a GPU unless --inference_batch_size says otherwise (docs/gpu.md).</summary>
    internal const int GpuInferenceBatchSize = 64;

    internal override bool RunsCpuKernels => false;

    internal override int DefaultInferenceBatchSize => GpuInferenceBatchSize;

    internal override int LabelImageBatchSize => GpuInferenceBatchSize;

    // Batches wait in the provider's page-locked host memory and reach the GPU through I/O binding. That memory is host
    // memory, numbered 0 whichever GPU the session runs on; should the provider not find it so, BoundModel falls back
    // to pinned managed arrays (same results, slower copies). Untested on a GPU so far.
    internal override ModelExecution CreateWholeModel(InferenceSession session) =>
        new BoundModel(session, static () => new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.CpuOutput));

    internal override bool RunsFinalLayerOnDevice => true;

    // Untested on a GPU so far: no GPU was available where this was written (docs/gpu.md).
    internal override OrtMemoryInfo CreateMemoryInfo() =>
        new(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, GpuId, OrtMemType.Default);

    internal override void Configure(SessionOptions options, InferenceSettings settings)
    {
        CudaEnvironment.Check(OrtEnv.Instance().GetAvailableProviders(), GpuId);
        try
        {
            options.AppendExecutionProvider_CUDA(GpuId);
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            throw CudaEnvironment.ProviderFailed(e);
        }
    }

    public override string ToString() => $"cuda:{GpuId}";
}
