using System.Runtime.InteropServices;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue 16, "no silent fallback": the real CUDA build (scripts/build.sh --cuda, ONNX Runtime's CUDA package) on a
/// machine without a usable GPU stops before any work with exit code 7 and says what is missing. A stand-in
/// libcuda.so.1, compiled here from a few lines of C, plays each driver answer (too old, no device, one device) so
/// every case that needs no GPU is reproduced; with stand-ins for the CUDA libraries as well, the real provider
/// library gets as far as loading them, and its own failure is what is reported.
/// </summary>
public sealed class CudaBuildTests : IClassFixture<CudaBuildTests.CudaBuild>
{
    private readonly CudaBuild _build;

    public CudaBuildTests(CudaBuild build) => this._build = build;

    [Fact]
    public void NoDriver_NamesLibcudaAndTheDriver()
    {
        if (NativeLibrary.TryLoad("libcuda.so.1", out var real))
        {
            NativeLibrary.Free(real);
            Assert.Skip("This machine has an NVIDIA driver: the no-driver case cannot be produced here.");
        }

        var (code, err) = _build.LabelImage(driver: null);

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("no NVIDIA driver was found (libcuda.so.1", err, StringComparison.Ordinal);
        Assert.Contains("use --device cpu", err, StringComparison.Ordinal);
    }

    [Fact]
    public void DriverTooOld_SaysWhichCudaItSupportsAndWhatToUpdate()
    {
        var (code, err) = _build.LabelImage(driver: new("STUB_CUDA_VERSION", "12080"));

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("the NVIDIA driver supports CUDA up to 12.8", err, StringComparison.Ordinal);
        Assert.Contains("Update the NVIDIA driver to version 580 or newer", err, StringComparison.Ordinal);
    }

    [Fact]
    public void DriverWithoutDevice_SaysNoGpuWasFound()
    {
        var (code, err) = _build.LabelImage(driver: new("STUB_CUINIT", "100"));

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("finds no CUDA GPU (cuInit: CUDA_ERROR_NO_DEVICE)", err, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuIdOutOfRange_NamesTheFlagAndTheRange()
    {
        var (code, err) = _build.LabelImage(driver: new("STUB_CUDA_DEVICES", "2"), "--gpu_id", "3");

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("--gpu_id 3 is out of range: this machine has 2 CUDA GPUs (numbered 0 to 1", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCudaLibraries_AreEachNamedWithTheirPackages()
    {
        var (code, err) = _build.LabelImage(driver: new("STUB_CUDA_DEVICES", "1"));

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("libcudart.so.13 (the CUDA 13 runtime: pip package nvidia-cuda-runtime, or apt package cuda-cudart-13-0)", err, StringComparison.Ordinal);
        Assert.Contains("libcublasLt.so.13 (cuBLASLt for CUDA 13: pip package nvidia-cublas", err, StringComparison.Ordinal);
        Assert.Contains("libcudnn.so.9 (cuDNN 9 for CUDA 13: pip package nvidia-cudnn-cu13", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ProviderThatCannotLoadItsLibraries_IsReportedWithOnnxRuntimesReason()
    {
        var (code, err) = _build.LabelImage(driver: new("STUB_CUDA_DEVICES", "1"), withLibraryStandIns: true);

        Assert.Equal((int)ExitCode.DeviceUnavailable, code);
        Assert.Contains("ONNX Runtime's CUDA provider could not be started", err, StringComparison.Ordinal);
        Assert.Contains("libonnxruntime_providers_cuda.so", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // a message, not a stack trace
    }

    /// <summary>The CUDA build, published once per test run, and the stand-in driver and libraries.</summary>
    public sealed class CudaBuild : IDisposable
    {
        private const string DriverSource = """
            #include <stdlib.h>
            static int value(const char *name, int fallback) { const char *v = getenv(name); return v ? atoi(v) : fallback; }
            int cuInit(unsigned int flags) { (void)flags; return value("STUB_CUINIT", 0); }
            int cuDriverGetVersion(int *version) { *version = value("STUB_CUDA_VERSION", 13000); return 0; }
            int cuDeviceGetCount(int *count) { *count = value("STUB_CUDA_DEVICES", 1); return 0; }
            """;

        private readonly TempFolder _folder = new();

        public CudaBuild()
        {
            Bin = Path.Combine(SharedData.RepositoryRoot, ".artifacts", "bin-cuda");
            ChildRun.Checked("bash", [Path.Combine(SharedData.RepositoryRoot, "scripts", "build.sh"), "--cuda"], TimeSpan.FromMinutes(15));
            Assert.True(File.Exists(Path.Combine(Bin, "label-image.dll")), "scripts/build.sh --cuda did not publish label-image");

            DriverOnly = Directory.CreateDirectory(Path.Combine(_folder.Path, "driver")).FullName;
            WithLibraries = Directory.CreateDirectory(Path.Combine(_folder.Path, "libraries")).FullName;
            var source = Path.Combine(_folder.Path, "libcuda.c");
            File.WriteAllText(source, DriverSource);
            Compile(source, Path.Combine(DriverOnly, "libcuda.so.1"), "libcuda.so.1");
            Compile(source, Path.Combine(WithLibraries, "libcuda.so.1"), "libcuda.so.1");
            var empty = Path.Combine(_folder.Path, "empty.c");
            File.WriteAllText(empty, "int retrain_stand_in;\n");
            foreach (var library in new[] { "libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudnn.so.9" })
            {
                Compile(empty, Path.Combine(WithLibraries, library), library);
            }
        }

        public string Bin { get; }

        private string DriverOnly { get; }

        private string WithLibraries { get; }

        /// <summary>Runs the CUDA build's label-image with --device cuda on a real model and photo.</summary>
        public (int Code, string Err) LabelImage(KeyValuePair<string, string>? driver, params string[] extra) =>
            LabelImage(driver, withLibraryStandIns: false, extra);

        public (int Code, string Err) LabelImage(KeyValuePair<string, string>? driver, bool withLibraryStandIns, params string[] extra)
        {
            var start = ChildRun.Start("dotnet",
            [
                Path.Combine(Bin, "label-image.dll"),
                "--graph", SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb"),
                "--output_layer", "MobilenetV1/Predictions/Reshape_1",
                "--image", SharedData.Path("images/imagenet/cat.bmp"),
                "--device", "cuda",
                .. extra,
            ]);
            if (driver is { } answer)
            {
                start.Environment["LD_LIBRARY_PATH"] = withLibraryStandIns ? WithLibraries : DriverOnly;
                start.Environment[answer.Key] = answer.Value;
            }

            var (code, _, err) = ChildRun.Run(start, TimeSpan.FromMinutes(2));
            return (code, err);
        }

        public void Dispose() => _folder.Dispose();

        private static void Compile(string source, string output, string soname) =>
            ChildRun.Checked("gcc", ["-shared", "-fPIC", $"-Wl,-soname,{soname}", "-o", output, source], TimeSpan.FromMinutes(1));
    }
}
