using System.Globalization;
using Retrain.Inference;

namespace Retrain.Benchmarks;

/// <summary>The flags of `gpu-check` (scripts/gpu-check.sh).</summary>
internal sealed record GpuCheckOptions
{
    private const string Usage =
        "gpu-check flags: --device cuda|cpu (cpu: the GPU's code paths on the CPU provider, the self-check) --gpu-id N " +
        "--models inception_v3,mobilenet_v1_0.25_224 --images N (0: all) --steps N (final layer, default 4000) " +
        "--distorted-steps N (default 5) --shared DIR";

    /// <summary>"cuda", or "cpu" for the self-check.</summary>
    public string Device { get; init; } = "cuda";

    public int GpuId { get; init; }

    public string Shared { get; init; } = new BenchOptions().Shared;

    /// <summary>By default the GraphDefs: the check's distorted run writes output_graph.pb, which an ONNX backbone cannot.</summary>
    public IReadOnlyList<string> Models { get; init; } = [.. BenchModel.All.Where(m => m.IsGraphDef).Select(m => m.Name)];

    /// <summary>Only the first N images of each class's part, for a quick check (0: every image).</summary>
    public int Images { get; init; }

    public int TrainingSteps { get; init; } = 4000;

    public int DistortedSteps { get; init; } = 5;

    public string ImageDir => Path.Combine(Shared, "datasets", "flower_photos_dev");

    /// <summary>The device checked: the GPU, or the CPU provider driven exactly as the GPU is.</summary>
    public ExecutionDevice Checked => Device == "cuda" ? ExecutionDevice.Cuda(GpuId) : ExecutionDevice.CpuLikeCuda;

    private static string DeviceName(string value) =>
        value is "cuda" or "cpu" ? value : throw new ArgumentException($"--device must be cuda or cpu, not {value}\n{Usage}");

    public static GpuCheckOptions Parse(IEnumerable<string> arguments)
    {
        var args = arguments.ToArray();
        var o = new GpuCheckOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--device" => o with { Device = DeviceName(Next()) },
                "--gpu-id" => o with { GpuId = Int() },
                "--shared" => o with { Shared = Path.GetFullPath(Next()) },
                "--models" => o with { Models = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--images" => o with { Images = Math.Max(0, Int()) },
                "--steps" => o with { TrainingSteps = Math.Max(1, Int()) },
                "--distorted-steps" => o with { DistortedSteps = Math.Max(1, Int()) },
                "--help" or "-h" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"unknown flag {args[i]}\n{Usage}"),
            };
        }

        var known = BenchModel.All.Where(m => m.IsGraphDef).Select(m => m.Name).ToList();
        var unknown = o.Models.Except(known).ToList();
        return unknown.Count == 0
            ? o
            : throw new ArgumentException($"unknown model {string.Join(",", unknown)}; known: {string.Join(",", known)}");
    }
}
