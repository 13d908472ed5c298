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

    /// <summary>Whether retrain's CPU kernels (Winograd convolutions, model segmentation) may replace parts of the model.</summary>
    internal abstract bool RunsCpuKernels { get; }

    /// <summary>Adds this device's execution provider to <paramref name="options"/>, or fails with exit code 7 saying why.</summary>
    internal abstract void Configure(SessionOptions options, InferenceSettings settings);

    public abstract override string ToString();
}
