using Microsoft.ML.OnnxRuntime;
using Retrain.Inference.Devices;

namespace Retrain.Inference;

/// <summary>
/// Where ONNX Runtime executes a model (the <c>--device</c> and <c>--gpu_id</c> flags). One type per device: each
/// owns how a session is configured for it and which of retrain's CPU-only rewrites (the Winograd kernel, model
/// segmentation, the shared CPU arena) apply, so no stage asks which device it runs on.
/// </summary>
public abstract record ExecutionDevice
{
    private protected ExecutionDevice()
    {
    }

    /// <summary>The CPU (the default): ONNX Runtime's CPU provider plus retrain's own kernels.</summary>
    public static ExecutionDevice Cpu { get; } = new CpuDevice();

    /// <summary>NVIDIA GPU number <paramref name="gpuId"/> through ONNX Runtime's CUDA provider (the CUDA build only).</summary>
    public static ExecutionDevice Cuda(int gpuId = 0) => new CudaDevice(gpuId);

    /// <summary>
    /// The CPU, but with the final layer trained by the ONNX step graph on ONNX Runtime's CPU provider instead of
    /// retrain's SIMD kernels: the GPU's training path, run where no GPU is, so it can be checked against the kernels.
    /// </summary>
    internal static ExecutionDevice CpuStepGraph { get; } = new CpuDevice(StepGraph: true);

    /// <summary>
    /// The CPU provider run exactly as a GPU is (whole model, I/O binding, step-graph training, the GPU's batch size):
    /// the GPU's code paths, checkable where there is no GPU.
    /// </summary>
    internal static ExecutionDevice CpuLikeCuda { get; } = new CpuLikeCudaDevice();

    /// <summary>
    /// Images per backbone call when <c>--inference_batch_size</c> is not given: retrain's CPU default, or a larger one
    /// that keeps a GPU busy (docs/gpu.md says why).
    /// </summary>
    internal abstract int DefaultInferenceBatchSize { get; }

    /// <summary>
    /// Images per model call when label-image is given several: one on the CPU, where larger batches were no faster
    /// (docs/performance.md), the GPU's batch on a GPU, where one image at a time would leave it idle.
    /// </summary>
    internal abstract int LabelImageBatchSize { get; }

    /// <summary>Wraps <paramref name="session"/> (taking ownership) as this device runs a whole model.</summary>
    internal abstract ModelExecution CreateWholeModel(InferenceSession session);

    /// <summary>Whether retrain's CPU kernels (Winograd convolutions, model segmentation) may replace parts of the model.</summary>
    internal abstract bool RunsCpuKernels { get; }

    /// <summary>
    /// Whether the final layer trains here through the ONNX step graph (<c>Training.DeviceTrainableLayer</c>), its
    /// weights kept in this device's memory between steps; false keeps retrain's SIMD kernels on the CPU.
    /// </summary>
    internal abstract bool RunsFinalLayerOnDevice { get; }

    /// <summary>The memory this device's provider computes in, for values kept there between runs; the caller disposes it.</summary>
    internal abstract OrtMemoryInfo CreateMemoryInfo();

    /// <summary>Adds this device's execution provider to <paramref name="options"/>, or fails with exit code 7 saying why.</summary>
    internal abstract void Configure(SessionOptions options, InferenceSettings settings);

    public abstract override string ToString();
}
