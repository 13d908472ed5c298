using System.Runtime.InteropServices;
using Retrain.Errors;

namespace Retrain.Inference.Devices;

/// <summary>
/// What <c>--device cuda</c> needs from the machine, checked in the order a user fixes it: the CUDA build of retrain,
/// the NVIDIA driver (libcuda.so.1, new enough for CUDA 13), the GPU number, then the CUDA 13 and cuDNN 9 libraries
/// the provider links or loads. <c>GetAvailableProviders()</c> only lists what the build was compiled with, so each
/// library is actually loaded here; every failure is exit code 7 naming the file and the package that provides it.
/// </summary>
internal static class CudaEnvironment
{
    /// <summary>The CUDA version ONNX Runtime 1.32's CUDA build is compiled against (cuDriverGetVersion's encoding).</summary>
    public const int RequiredDriverCudaVersion = 13000;

    private const string BuildCommand = "scripts/build.sh --cuda";

    /// <summary>Each library the CUDA provider needs, with the pip package and the NVIDIA apt package that ship it.</summary>
    internal static readonly (string File, string What, string Pip, string Apt)[] Libraries =
    [
        ("libcudart.so.13", "the CUDA 13 runtime", "nvidia-cuda-runtime", "cuda-cudart-13-0"),
        ("libcublasLt.so.13", "cuBLASLt for CUDA 13", "nvidia-cublas", "libcublas-13-0"),
        ("libcublas.so.13", "cuBLAS for CUDA 13", "nvidia-cublas", "libcublas-13-0"),
        ("libcurand.so.10", "cuRAND for CUDA 13", "nvidia-curand", "libcurand-13-0"),
        ("libcudnn.so.9", "cuDNN 9 for CUDA 13", "nvidia-cudnn-cu13", "cudnn9-cuda-13"),
    ];

    private const string Setup = $"See docs/gpu.md for what to install, or use {Flags.Device} cpu.";

    public static void Check(IReadOnlyCollection<string> availableProviders, int gpuId)
    {
        if (!availableProviders.Contains(CudaDevice.Provider, StringComparer.Ordinal))
        {
            throw new RetrainException(
                ExitCode.DeviceUnavailable,
                $"{Flags.Device} cuda was requested, but this build of retrain has no CUDA support: it is the CPU build (its ONNX Runtime has {string.Join(", ", availableProviders)}). " +
                $"Build it with `{BuildCommand}` and run it with `scripts/train.sh {Flags.Device} cuda ...` (or scripts/predict.sh), or use {Flags.Device} cpu.");
        }

        CheckDriver(gpuId);
        var missing = Libraries.Where(l => !CanLoad(l.File)).ToList();
        if (missing.Count > 0)
        {
            throw new RetrainException(
                ExitCode.DeviceUnavailable,
                $"{Flags.Device} cuda: ONNX Runtime's CUDA provider needs libraries this machine does not have (or that are not on the library path): " +
                string.Join("; ", missing.Select(l => $"{l.File} ({l.What}: pip package {l.Pip}, or apt package {l.Apt})")) +
                ". Install them and make them findable (LD_LIBRARY_PATH for pip's nvidia/*/lib folders). " + Setup);
        }
    }

    /// <summary>The provider itself failed to load or start: names the library from ONNX Runtime's message where it is one of ours.</summary>
    public static RetrainException ProviderFailed(Exception e)
    {
        var known = Libraries.Where(l => e.Message.Contains(l.File, StringComparison.Ordinal)).Select(l => $" {l.File} is {l.What}: pip package {l.Pip}, or apt package {l.Apt}.");
        return new RetrainException(
            ExitCode.DeviceUnavailable,
            $"{Flags.Device} cuda: ONNX Runtime's CUDA provider could not be started: {e.Message.Trim().TrimEnd('.')}.{string.Concat(known)} " +
            "ONNX Runtime's own error line just above names the library or symbol it could not load. " +
            "Check that the CUDA 13 and cuDNN 9 libraries are the builds ONNX Runtime 1.32 needs, and the NVIDIA driver is 580 or newer. " + Setup,
            e);
    }

    private static unsafe void CheckDriver(int gpuId)
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var driver))
        {
            throw new RetrainException(
                ExitCode.DeviceUnavailable,
                $"{Flags.Device} cuda: no NVIDIA driver was found (libcuda.so.1, which the NVIDIA driver installs, cannot be loaded). " +
                $"On a machine with an NVIDIA GPU install its driver (version 580 or newer for CUDA 13); elsewhere use {Flags.Device} cpu.");
        }

        try
        {
            var init = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(driver, "cuInit");
            var version = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(driver, "cuDriverGetVersion");
            var count = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(driver, "cuDeviceGetCount");

            int driverVersion;
            if (version(&driverVersion) == 0 && driverVersion < RequiredDriverCudaVersion)
            {
                throw new RetrainException(
                    ExitCode.DeviceUnavailable,
                    $"{Flags.Device} cuda: the NVIDIA driver supports CUDA up to {driverVersion / 1000}.{driverVersion % 1000 / 10}, and this build of " +
                    $"retrain needs CUDA 13. Update the NVIDIA driver to version 580 or newer, or use {Flags.Device} cpu.");
            }

            var status = init(0);
            const int NoDevice = 100;
            if (status == NoDevice)
            {
                throw new RetrainException(
                    ExitCode.DeviceUnavailable,
                    $"{Flags.Device} cuda: the NVIDIA driver is installed but finds no CUDA GPU (cuInit: CUDA_ERROR_NO_DEVICE). " +
                    $"Check `nvidia-smi`, and in a container that the GPU is passed through; or use {Flags.Device} cpu.");
            }

            if (status != 0)
            {
                throw new RetrainException(
                    ExitCode.DeviceUnavailable,
                    $"{Flags.Device} cuda: the NVIDIA driver failed to initialise (cuInit returned CUDA error {status}). Check `nvidia-smi`; " +
                    $"a driver older than the CUDA libraries, or a GPU in use by another process in exclusive mode, cause this. Or use {Flags.Device} cpu.");
            }

            int devices;
            if (count(&devices) == 0 && gpuId >= devices)
            {
                throw new RetrainException(
                    ExitCode.DeviceUnavailable,
                    $"{Flags.GpuId} {gpuId} is out of range: this machine has {devices} CUDA GPU{(devices == 1 ? string.Empty : "s")} " +
                    $"(numbered 0 to {devices - 1}; `nvidia-smi -L` lists them). Pass {Flags.GpuId} 0.");
            }
        }
        catch (EntryPointNotFoundException e)
        {
            throw new RetrainException(
                ExitCode.DeviceUnavailable,
                $"{Flags.Device} cuda: libcuda.so.1 is not a working NVIDIA driver library ({e.Message}). Reinstall the NVIDIA driver, or use {Flags.Device} cpu.",
                e);
        }
        finally
        {
            NativeLibrary.Free(driver);
        }
    }

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
