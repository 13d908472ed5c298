using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference.Devices;

/// <summary>
/// ONNX Runtime's CPU provider, with the shared arena a cut model's stages use. With <paramref name="StepGraph"/> the
/// final layer trains through the ONNX step graph instead of retrain's SIMD kernels (see
/// <see cref="ExecutionDevice.CpuStepGraph"/>).
/// </summary>
internal sealed record CpuDevice(bool StepGraph = false) : ExecutionDevice
{
    internal override bool RunsCpuKernels => true;

    internal override bool RunsFinalLayerOnDevice => StepGraph;

    /// <summary>Sixteen images per call keep ONNX Runtime's CPU kernels and retrain's Winograd kernel busy (docs/performance.md).</summary>
    internal const int CpuInferenceBatchSize = 16;

    internal override int DefaultInferenceBatchSize => CpuInferenceBatchSize;

    internal override int LabelImageBatchSize => 1;

    // The CPU runs a model on its own arrays with plain Run calls: bit-identical to retrain before I/O binding.
    internal override ModelExecution CreateWholeModel(InferenceSession session) => new WholeModel(session);

    internal override OrtMemoryInfo CreateMemoryInfo() =>
        new(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.Default);

    internal override void Configure(SessionOptions options, InferenceSettings settings)
    {
        if (settings.SharedArena && SessionFactory.EnvironmentArenaRegistered)
        {
            options.AddSessionConfigEntry("session.use_env_allocators", "1");
        }
    }

    public override string ToString() => "cpu";
}
