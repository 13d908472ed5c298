using Microsoft.ML.OnnxRuntime;
using Retrain.Errors;

namespace Retrain.Inference;

/// <summary>Creates ONNX Runtime sessions with retrain's settings; the caller owns the returned session.</summary>
internal static class SessionFactory
{
    // Registered with ONNX Runtime's environment on first use and kept for the life of the process, as the
    // environment itself is.
    private static readonly Lazy<bool> EnvironmentArena = new(RegisterEnvironmentArena);

    public static InferenceSession Create(byte[] onnxModel, InferenceSettings settings, string? modelPath = null)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.IntraOpThreads, nameof(settings));
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = settings.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,

            // ORT logs to stderr itself; the engine reports through exceptions only.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        // Weight prepacking (on by default) and the CPU memory arena/pattern stay on: the session is built once and
        // runs many batches of one or two sizes, exactly what they pay off for.
        var spin = settings.AllowSpinning ? "1" : "0";
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", spin);

        settings.Device.Configure(options, settings);

        try
        {
            // The session copies what it needs from the options, which are disposed on return.
            return new InferenceSession(onnxModel, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new RetrainException(ExitCode.BadModel,
                $"ONNX Runtime cannot load the model{(modelPath is null ? string.Empty : $" '{modelPath}'")}: {e.Message} The model may be corrupt or use operators this ONNX Runtime lacks.",
                e);
        }
    }

    /// <summary>Whether the shared CPU arena is registered (on first use) for sessions that ask for it.</summary>
    public static bool EnvironmentArenaRegistered => EnvironmentArena.Value;

    private static bool RegisterEnvironmentArena()
    {
        try
        {
            using var memoryInfo = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);

            // Zero and -1s: ONNX Runtime's defaults for the size limit, growth, first chunk and dead bytes per chunk.
            using var arena = new OrtArenaCfg(0, -1, -1, -1);
            OrtEnv.Instance().CreateAndRegisterAllocator(memoryInfo, arena);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            // Each session keeps an arena of its own: more memory, the same results.
            return false;
        }
    }
}
