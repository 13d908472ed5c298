using System.Diagnostics;
using System.Globalization;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Data;
using Retrain.Errors;
using Retrain.Images;
using Retrain.Inference;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>
/// `gpu-check` (scripts/gpu-check.sh, issue 16): each backbone on the flowers, on the checked device (the GPU, or with
/// --device cpu the GPU's code paths on ONNX Runtime's CPU provider) and on the CPU as retrain runs by default, printed
/// side by side: per-vector bottleneck agreement, final test accuracies, bottleneck images/s, seconds per distorted
/// step and final-layer steps/s, plus the targets the GPU is held to. Prints figures and verdicts; asserts nothing.
/// </summary>
internal static class GpuCheck
{
    private const double CosineExpected = 0.9999;
    private const double AccuracyPoints = 1.0;
    private const double InceptionTarget = 3000;
    private const double PipelineTarget = 0.8;

    public static int Run(GpuCheckOptions o)
    {
        var device = o.Checked;
        var reference = ExecutionDevice.Cpu;
        Console.WriteLine($"gpu-check device={device} reference={reference} images_dir={o.ImageDir} cores={Environment.ProcessorCount} " +
                          $"date={DateTime.UtcNow:yyyy-MM-dd} gpu=\"{GpuName()}\"");
        if (o.Device == "cpu")
        {
            Console.WriteLine("gpu-check self-check: no GPU is used; the checked side is ONNX Runtime's CPU provider driven as --device cuda drives a GPU " +
                              "(whole model, I/O binding, step-graph training, the GPU's batch size). Its speed says nothing about a GPU.");
        }

        var data = Dataset.Load(o.ImageDir);
        var paths = Subset(data, o.Images);
        var encoded = paths.Select(File.ReadAllBytes).ToList();
        foreach (var spec in BenchModel.All.Where(m => o.Models.Contains(m.Name)))
        {
            try
            {
                Model(spec, o, data.Lists, paths, encoded, reference, device);
            }
            catch (RetrainException e) when (e.Code == ExitCode.DeviceUnavailable)
            {
                Console.WriteLine($"gpu-check CUDA unavailable: {e.Message}");
                Console.WriteLine("gpu-check nothing was measured on a GPU. Fix the above, or run `scripts/gpu-check.sh --device cpu` for the self-check.");
                return (int)ExitCode.DeviceUnavailable;
            }
        }

        return 0;
    }

    private static void Model(
        BenchModel spec, GpuCheckOptions o, ImageLists lists, List<string> paths, List<byte[]> encoded,
        ExecutionDevice reference, ExecutionDevice device)
    {
        void Print(string line) => Console.WriteLine($"{spec.Name} {line}");
        var path = spec.PathIn(o.Shared);
        var side = device.ToString().Replace(' ', '_').Replace("(", string.Empty).Replace(")", string.Empty);

        // The device first: if it cannot be used, that is said before minutes of CPU work.
        using var onDevice = LoadedModel.OpenBackbone(path, spec.Overrides, PipelineThreads.ForPipeline(new InferenceSettings(device)));
        using var onCpu = LoadedModel.OpenBackbone(path, spec.Overrides, PipelineThreads.ForPipeline(new InferenceSettings(reference)));
        var deviceBatch = onDevice.Runner.BatchSizeFor(BatchFor(device));
        var cpuBatch = onCpu.Runner.BatchSizeFor(BatchFor(reference));
        Print($"images={paths.Count} batch cpu={cpuBatch} {side}={deviceBatch} batch_memory {side}=\"{onDevice.Runner.BatchMemory}\" " +
              $"winograd_convolutions cpu={onCpu.Runner.OwnConvolutions} {side}={onDevice.Runner.OwnConvolutions}");

        // Bottlenecks, end to end through the product's pipeline, each side with its own default batch.
        var (cpuRate, cpuSet) = Stages.EndToEnd(onCpu, paths, cpuBatch, PipelineThreads.DecodeWorkers, ImageDecodeOptions.Default);
        var (deviceRate, deviceSet) = Stages.EndToEnd(onDevice, paths, deviceBatch, PipelineThreads.DecodeWorkers, ImageDecodeOptions.Default);
        var agreement = Agreement(cpuSet, deviceSet);
        Print($"bottleneck_agreement vectors={agreement.Count} max_abs_diff={agreement.MaxAbsDiff.ToString("G3", CultureInfo.InvariantCulture)} min_cosine={agreement.MinCosine:F7} " +
              $"mean_cosine={agreement.MeanCosine:F7} below_{CosineExpected}={agreement.Below} " +
              $"verdict={(agreement.Below == 0 ? "ok" : "CHECK")} (expected: every vector's cosine >= {CosineExpected})");
        Print($"bottleneck_img_per_s cpu={F(cpuRate.ImagesPerSecond)} {side}={F(deviceRate.ImagesPerSecond)} " +
              $"cpu_ms_per_image cpu={F(cpuRate.CpuMsPerImage)} {side}={F(deviceRate.CpuMsPerImage)} (end to end: read, decode, model; cold cache)");

        // The stages alone on the device side: the model on decoded batches, and the decoders on every core.
        var prep = onDevice.Preprocessing;
        var decoded = new float[deviceBatch * prep.TensorLength];
        for (var i = 0; i < deviceBatch; i++)
        {
            ImageLoader.LoadInto(encoded[i % encoded.Count], paths[i % paths.Count], prep, decoded.AsSpan(i * prep.TensorLength, prep.TensorLength));
        }

        var inference = Stages.Inference(onDevice.Runner, decoded, deviceBatch, 3.0);
        var decode = Stages.Decode(encoded, paths, prep, PipelineThreads.DecodeWorkers, ImageDecodeOptions.Default);
        var slower = Math.Min(inference.ImagesPerSecond, decode.ImagesPerSecond);
        var ratio = deviceRate.ImagesPerSecond / slower;
        Print($"{side} inference_img_per_s={F(inference.ImagesPerSecond)} decode_img_per_s={F(decode.ImagesPerSecond)} workers={PipelineThreads.DecodeWorkers} " +
              $"end_to_end_ratio={F(ratio)} (end to end / the slower of model alone and decoders alone; " +
              (o.Device == "cuda"
                  ? $"target >= {PipelineTarget}: {(ratio >= PipelineTarget ? "met" : "not met")})"
                  : $"the target >= {PipelineTarget} is for a GPU: here the model and the decoders share the cores)") +
              (spec.Name == "inception_v3" && o.Device == "cuda"
                  ? $" inception_target={InceptionTarget} img/s on H100/H200-class GPUs: {(inference.ImagesPerSecond >= InceptionTarget ? "met" : "not met")}"
                  : string.Empty));

        // The final layer, each side on its own vectors with its own trainer (SIMD kernels; the step graph on the device).
        var cpuTraining = TrainingBench.Run(lists, paths, cpuSet, o.TrainingSteps, new InferenceSettings(reference));
        var deviceTraining = TrainingBench.Run(lists, paths, deviceSet, o.TrainingSteps, new InferenceSettings(device));
        var points = 100 * Math.Abs(cpuTraining.Result.Test.Accuracy - deviceTraining.Result.Test.Accuracy);
        Print($"test_accuracy cpu={cpuTraining.Result.Test.Accuracy * 100:F1}% {side}={deviceTraining.Result.Test.Accuracy * 100:F1}% " +
              $"diff_points={points:F2} test_images={cpuTraining.Result.Test.Count} steps={o.TrainingSteps} " +
              $"verdict={(points <= AccuracyPoints ? "ok" : "CHECK")} (expected: within {AccuracyPoints} point)");
        Print($"final_layer_steps_per_s cpu={F(o.TrainingSteps / cpuTraining.Seconds)} {side}={F(o.TrainingSteps / deviceTraining.Seconds)} batch=100");

        // Distorted training, as retrain runs it with all four distortions, on a warm cache.
        var cpuStep = DistortedStep(path, spec, o, reference);
        var deviceStep = DistortedStep(path, spec, o, device);
        Print($"distorted_step_s cpu={F(cpuStep)} {side}={F(deviceStep)} steps={o.DistortedSteps} batch=100 " +
              "(--flip_left_right --random_crop 10 --random_scale 10 --random_brightness 10, as retrain logs it)");
        if (o.Device == "cuda")
        {
            Print($"gpu_memory_used_mb={GpuMemoryMb()} (this process, nvidia-smi)");
        }
    }

    private static int BatchFor(ExecutionDevice device) =>
        new RetrainOptions { ImageDir = string.Empty, Inference = new InferenceSettings(device) }.EffectiveInferenceBatchSize;

    private static List<string> Subset(Dataset data, int perClassAndPart) =>
        perClassAndPart == 0
            ? [.. data.Paths]
            : [.. new[] { DatasetPart.Training, DatasetPart.Validation, DatasetPart.Testing }
                .SelectMany(part => data.Lists.Images(part).GroupBy(x => x.ClassIndex).SelectMany(g => g.Take(perClassAndPart)))
                .Select(x => x.Path)];

    private static (int Count, double MaxAbsDiff, double MinCosine, double MeanCosine, int Below) Agreement(BottleneckSet a, BottleneckSet b)
    {
        double maxDiff = 0, minCos = 1, sumCos = 0;
        int count = 0, below = 0;
        for (var i = 0; i < a.Available.Length; i++)
        {
            if (!a.Available[i] || !b.Available[i])
            {
                continue;
            }

            var x = a.Vector(i);
            var y = b.Vector(i);
            double dot = 0, xx = 0, yy = 0;
            for (var k = 0; k < x.Length; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(x[k] - y[k]));
                dot += (double)x[k] * y[k];
                xx += (double)x[k] * x[k];
                yy += (double)y[k] * y[k];
            }

            var cos = xx == 0 && yy == 0 ? 1 : dot / Math.Sqrt(xx * yy);
            minCos = Math.Min(minCos, cos);
            sumCos += cos;
            below += cos < CosineExpected ? 1 : 0;
            count++;
        }

        return (count, maxDiff, minCos, count == 0 ? double.NaN : sumCos / count, below);
    }

    /// <summary>Seconds per distorted training step, as the engine logs it, after a one-step run that fills the cache.</summary>
    private static double DistortedStep(string model, BenchModel spec, GpuCheckOptions o, ExecutionDevice device)
    {
        using var scratch = new ScratchFolder("retrain-gpu-check-");
        var dir = scratch.Path;
        RetrainOptions Options(int steps) => new()
        {
            ImageDir = o.ImageDir,
            TfhubModule = model,
            Model = spec.Overrides,
            BottleneckDir = Path.Combine(dir, "bottlenecks"),
            OutputGraph = Path.Combine(dir, "output_graph.pb"),
            OutputLabels = Path.Combine(dir, "output_labels.txt"),
            HowManyTrainingSteps = steps,
            FlipLeftRight = true,
            RandomCrop = 10,
            RandomScale = 10,
            RandomBrightness = 10,
            Inference = new InferenceSettings(device),
        };

        RetrainEngine.Run(Options(1), Logger.None, CancellationToken.None);
        var sink = new PerStepSink();
        using (var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger())
        {
            RetrainEngine.Run(Options(o.DistortedSteps), log, CancellationToken.None);
        }

        return sink.PerStep ?? throw new InvalidOperationException("retrain did not report its distorted training");
    }

    private static string GpuName() => NvidiaSmi("--query-gpu=name", "--format=csv,noheader")?.Split('\n')[0].Trim() ?? "none (nvidia-smi not found)";

    /// <summary>GPU memory this process holds, in MB, as nvidia-smi reports it.</summary>
    internal static string GpuMemoryMb()
    {
        var apps = NvidiaSmi("--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits");
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var mine = apps?.Split('\n').Select(l => l.Split(',')).FirstOrDefault(f => f.Length == 2 && f[0].Trim() == pid);
        return mine?[1].Trim() ?? "unknown";
    }

    private static string? NvidiaSmi(params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Keeps the seconds per step of the engine's "Distorted ... s per step" line.</summary>
    private sealed class PerStepSink : ILogEventSink
    {
        public double? PerStep { get; private set; }

        public void Emit(LogEvent logEvent)
        {
            if (logEvent.Properties.TryGetValue("PerStep", out var value) && value is ScalarValue { Value: IConvertible number })
            {
                PerStep = number.ToDouble(CultureInfo.InvariantCulture);
            }
        }
    }
}
