using System.Globalization;
using Retrain.Inference;

namespace Retrain.Benchmarks;

/// <summary>The benchmark's flags (`--name value`); see scripts/bench.sh and docs/performance.md.</summary>
internal sealed record BenchOptions
{
    /// <summary>Repetitions of every measurement; the medians are reported. 1 gives a quick run.</summary>
    public int Runs { get; init; } = 3;

    public string Shared { get; init; } = DefaultShared();

    /// <summary>Which of <see cref="BenchModel.All"/> to run, by name.</summary>
    public IReadOnlyList<string> Models { get; init; } = [.. BenchModel.All.Select(m => m.Name)];

    /// <summary>The published retrain.dll; null skips timing the whole command.</summary>
    public string? Retrain { get; init; }

    /// <summary>The published label-image.dll; null skips the label-image timing.</summary>
    public string? LabelImage { get; init; }

    /// <summary>The published Retrain.Benchmarks.MlNet.dll; null skips the ML.NET peer.</summary>
    public string? MlNet { get; init; }

    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 8, 32];

    /// <summary>Batch size of the end-to-end pipeline; the product's default (--inference_batch_size).</summary>
    public int PipelineBatch { get; init; } = new RetrainOptions { ImageDir = "" }.EffectiveInferenceBatchSize;

    public int TrainingSteps { get; init; } = 4000;

    /// <summary>
    /// Steps of the distorted-training figure (100 photos each); 0 = about 20 s of them at the measured end-to-end
    /// rate (3 steps for Inception-v3 here, ~50 for MobileNet), so start-up does not dominate either figure.
    /// </summary>
    public int DistortedSteps { get; init; }

    /// <summary>With N > 0, only the scale figures: N generated photos with cached vectors (see ScaleBench).</summary>
    public int Scale { get; init; }

    /// <summary>When given, only the shard figures: N concurrent shard processes for each N (see ShardBench).</summary>
    public IReadOnlyList<int> Shards { get; init; } = [];

    /// <summary>Images given to one label-image process for the per-image figure.</summary>
    public int LabelImageMany { get; init; } = 50;

    /// <summary>
    /// About how many seconds of the pipeline each chunk of the image list holds; the stages take turns chunk by chunk
    /// (InterleavedRun), so a shorter chunk follows the machine's drifting speed more closely.
    /// </summary>
    public double ChunkSeconds { get; init; } = 10;

    /// <summary>Where to write the pass's figures as a Markdown table (FigureTable); null writes none.</summary>
    public string? Markdown { get; init; }

    /// <summary>The heads' test accuracy on each model's cached flower vectors (HeadsBench) instead of the speed figures.</summary>
    public bool Heads { get; init; }

    /// <summary>Rows of generated vectors (2,048 values, 101 classes) lbfgs is timed on (HeadsBench.Scale); 0 = none.</summary>
    public int HeadsScale { get; init; }

    /// <summary>"cpu", or "cuda" to run the backbone, training and both commands on GPU <see cref="GpuId"/> (the CUDA build).</summary>
    public string Device { get; init; } = "cpu";

    public int GpuId { get; init; }

    /// <summary>The settings every in-process model and trainer of the benchmark takes (the CPU's defaults for cpu).</summary>
    public InferenceSettings Inference => new(Device == "cuda" ? ExecutionDevice.Cuda(GpuId) : ExecutionDevice.Cpu);

    /// <summary>What the retrain and label-image processes are given to run where the benchmark runs.</summary>
    public string[] DeviceArguments => Device == "cuda" ? ["--device", "cuda", "--gpu_id", GpuId.ToString(CultureInfo.InvariantCulture)] : [];

    /// <summary>The most L-BFGS iterations of the --heads-scale runs (--how_many_training_steps' default otherwise).</summary>
    public int HeadsScaleIterations { get; init; } = 4000;

    /// <summary>--heads runs only the heads whose name contains this (all when empty); the ML.NET peer always runs.</summary>
    public string HeadsFilter { get; init; } = "";

    /// <summary>Whether --heads-scale also times the L2 grid (--heads-scale-grid).</summary>
    public bool HeadsScaleGrid { get; init; }

    /// <summary>Also run the end-to-end pipeline under other thread splits (decoders vs ONNX Runtime, spinning).</summary>
    public bool Sweep { get; init; }

    private const string Usage =
        "flags: --device cpu|cuda --gpu-id N --runs N (default 3) --models inception_v3,mobilenet_v1_0.25_224,resnet18 --sweep --batch-sizes 1,8,32 " +
        "--pipeline-batch N --steps N --distorted-steps N --label-image-many N --chunk-seconds S --scale N --heads --heads-filter TEXT --heads-scale N --heads-scale-iterations N --heads-scale-grid --markdown FILE --shards 1,2,4 --shared DIR --retrain DLL|none --label-image DLL|none --mlnet DLL|none";

    public string ImageDir => Path.Combine(Shared, "datasets", "flower_photos_dev");

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--runs" => o with { Runs = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--shared" => o with { Shared = Path.GetFullPath(Next()) },
                "--models" => o with { Models = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--label-image" => o with { LabelImage = NullIfNone(Next()) },
                "--retrain" => o with { Retrain = NullIfNone(Next()) },
                "--mlnet" => o with { MlNet = NullIfNone(Next()) },
                "--batch-sizes" => o with { BatchSizes = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] },
                "--pipeline-batch" => o with { PipelineBatch = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--device" => o with { Device = DeviceName(Next()) },
                "--gpu-id" => o with { GpuId = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--steps" => o with { TrainingSteps = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--distorted-steps" => o with { DistortedSteps = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--label-image-many" => o with { LabelImageMany = Math.Max(2, int.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--sweep" => o with { Sweep = true },
                "--heads" => o with { Heads = true },
                "--heads-filter" => o with { HeadsFilter = Next() },
                "--heads-scale-iterations" => o with { HeadsScaleIterations = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--heads-scale-grid" => o with { HeadsScaleGrid = true },
                "--heads-scale" => o with { HeadsScale = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--chunk-seconds" => o with { ChunkSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--scale" => o with { Scale = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--markdown" => o with { Markdown = Path.GetFullPath(Next()) },
                "--shards" => o with { Shards = [.. Next().Split(',').Select(s => Math.Max(1, int.Parse(s, CultureInfo.InvariantCulture)))] },
                "--help" or "-h" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"unknown flag {args[i]}\n{Usage}"),
            };
        }

        var batchGiven = args.Contains("--pipeline-batch");

        // Unless given, the pipeline runs at the product's default for the device (--inference_batch_size).
        o = batchGiven ? o : o with { PipelineBatch = new RetrainOptions { ImageDir = "", Inference = o.Inference }.EffectiveInferenceBatchSize };
        var unknown = o.Models.Except(BenchModel.All.Select(m => m.Name)).ToList();
        return unknown.Count == 0
            ? o
            : throw new ArgumentException($"unknown model {string.Join(",", unknown)}; known: {string.Join(",", BenchModel.All.Select(m => m.Name))}");
    }

    private static string DeviceName(string value) =>
        value is "cpu" or "cuda" ? value : throw new ArgumentException($"--device must be cpu or cuda, not {value}\n{Usage}");

    private static string? NullIfNone(string value) => value is "none" or "" ? null : Path.GetFullPath(value);

    private static string DefaultShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable("RETRAIN_SHARED");
        return Path.GetFullPath(string.IsNullOrEmpty(fromEnv) ? Path.Combine("..", "shared") : fromEnv);
    }
}
