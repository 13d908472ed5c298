using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference.Devices;

/// <summary>ONNX Runtime's CPU provider, with the shared arena a cut model's stages use.</summary>
internal sealed record CpuDevice : ExecutionDevice
{
    internal override bool RunsCpuKernels => true;

    internal override void Configure(SessionOptions options, InferenceSettings settings)
    {
        if (settings.SharedArena && SessionFactory.EnvironmentArenaRegistered)
        {
            options.AddSessionConfigEntry("session.use_env_allocators", "1");
        }
    }

    public override string ToString() => "cpu";
}
