using System.Diagnostics;
using System.Globalization;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Inference;
using Retrain.Training;
using Serilog;
using Serilog.Core;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>
/// Issue 19's evidence (`--heads`): each head's test accuracy on one backbone's vectors of the flowers, with retrain's
/// split, next to ML.NET's LbfgsMaximumEntropy trained by the peer on the very same vectors and split; and
/// (`--heads-scale N`) how long lbfgs takes on N generated vectors of Food-101's shape (2,048 values, 101 classes).
/// The vectors are cached under .artifacts/bench/heads-cache, so a second run skips the backbone.
/// </summary>
internal static class HeadsBench
{
    private const int ScaleLength = 2048;
    private const int ScaleClasses = 101;

    /// <summary>The heads compared: retrain.py's default first, then each option alone, then make_image_classifier's mix.</summary>
    private static IReadOnlyList<(string Name, Func<TrainingSettings, TrainingSettings> Apply)> Heads { get; } =
    [
        ("sgd (retrain.py's default)", s => s),
        ("--optimizer momentum", s => s with { Optimizer = OptimizerKind.Momentum }),
        ("--optimizer adam --learning_rate 0.001", s => s with { Optimizer = OptimizerKind.Adam, LearningRate = 0.001f }),
        ("--l2_regularization 1e-4", s => s with { L2Regularization = 1e-4f }),
        ("--label_smoothing 0.1", s => s with { LabelSmoothing = 0.1f }),
        ("--dropout 0.2", s => s with { Dropout = 0.2f }),
        ("--class_weights balanced", s => s with { ClassWeights = ClassWeighting.Balanced }),
        ("--early_stopping_patience 10", s => s with { EarlyStoppingPatience = 10 }),
        ("momentum + l2 1e-4 + dropout 0.2 + smoothing 0.1", s => s with { Optimizer = OptimizerKind.Momentum, L2Regularization = 1e-4f, Dropout = 0.2f, LabelSmoothing = 0.1f }),
        ("--optimizer lbfgs (l2 picked by cross-validation)", s => s with { Optimizer = OptimizerKind.Lbfgs }),
        ("--optimizer lbfgs --l2_regularization 1e-4", s => s with { Optimizer = OptimizerKind.Lbfgs, L2Regularization = 1e-4f }),
    ];

    public static void Run(BenchOptions o, Dataset data)
    {
        var c = CultureInfo.InvariantCulture;
        var cacheDir = Path.Combine(AppContext.BaseDirectory, "..", "heads-cache");
        foreach (var modelName in o.Models)
        {
            var (path, overrides) = Backbone(modelName, o.Shared);
            var spec = new { Name = modelName };
            var clock = Stopwatch.StartNew();
            BottleneckSet set;
            using (var model = LoadedModel.OpenBackbone(path, overrides, PipelineThreads.ForPipeline(new InferenceSettings())))
            using (var cache = new BottleneckCache(cacheDir, model.CacheKey, model.OutputLength))
            {
                set = new BottleneckBuilder(model, cache, Logger.None).Build(data.Paths, CancellationToken.None);
            }

            var (training, validation, testing) = TrainingBench.Parts(data.Lists, data.Paths, set);
            Console.WriteLine(string.Create(c,
                $"{spec.Name} heads vectors={set.VectorLength} training={training.Count} validation={validation.Count} testing={testing.Count} bottlenecks_s={clock.Elapsed.TotalSeconds:0.0}"));
            var defaults = new RetrainOptions { ImageDir = "" };
            var baseline = new TrainingSettings(
                defaults.HowManyTrainingSteps,
                defaults.LearningRate,
                defaults.EvalStepInterval,
                defaults.TrainBatchSize,
                defaults.ValidationBatchSize,
                defaults.TestBatchSize,
                defaults.RandomSeed);
            foreach (var (name, apply) in Heads.Where(h => h.Name.Contains(o.HeadsFilter, StringComparison.Ordinal)))
            {
                clock.Restart();
                // The lbfgs grid's lines (each strength's cross-validation score, the pick) go to stderr beside the figures.
                using var log = new LoggerConfiguration()
                    .Filter.ByIncludingOnly(e => e.MessageTemplate.Text.StartsWith("{Flag:l} {Strength:l}:", StringComparison.Ordinal) || e.MessageTemplate.Text.StartsWith("Picked", StringComparison.Ordinal))
                    .WriteTo.Sink(new StderrLogSink())
                    .CreateLogger();
                var result = Trainer.Run(new TrainingJob(training, validation, testing, data.Lists.Labels, apply(baseline)), log, CancellationToken.None);
                Console.WriteLine(string.Create(c,
                    $"{spec.Name} head=\"{name}\" test_accuracy={result.Test.Accuracy:0.0000} validation_accuracy={result.LastValidationAccuracy:0.0000} train_s={clock.Elapsed.TotalSeconds:0.00}"));
            }

            if (o.MlNet is not null)
            {
                var file = Path.Combine(Path.GetTempPath(), $"retrain-heads-{Environment.ProcessId}-{spec.Name}.bin");
                try
                {
                    WriteVectors(file, training, validation, testing);
                    var (_, stdout, _) = ChildProcess.Run(o.MlNet, ["--vectors", file]);
                    var line = stdout.Split('\n').First(l => l.StartsWith("mlnet ", StringComparison.Ordinal)).Trim();
                    Console.WriteLine($"{spec.Name} head=\"ML.NET LbfgsMaximumEntropy (same vectors and split)\" {line["mlnet ".Length..]}");
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }
    }

    /// <summary>A backbone by its benchmark name (<see cref="BenchModel.All"/>, ResNet-18 included).</summary>
    private static (string Path, Graphs.ModelOverrides Overrides) Backbone(string name, string shared)
    {
        var spec = BenchModel.All.SingleOrDefault(m => m.Name == name) ?? throw new ArgumentException($"unknown model '{name}'");
        return (spec.PathIn(shared), spec.Overrides);
    }

    /// <summary>
    /// lbfgs on <paramref name="rows"/> generated training vectors (plus a tenth as many for validation): once with a
    /// given L2 strength, once picking it from the grid; wall time of each.
    /// </summary>
    public static void Scale(int rows, int maxIterations, bool grid)
    {
        var c = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        var training = Generate(rows, seed: 1);
        var validation = Generate(rows / 10, seed: 2);
        var testing = Generate(rows / 10, seed: 3);
        var labels = Enumerable.Range(0, ScaleClasses).Select(i => $"class{i}").ToList();
        Console.WriteLine(string.Create(c, $"lbfgs_scale rows={rows} length={ScaleLength} classes={ScaleClasses} generate_s={clock.Elapsed.TotalSeconds:0.0}"));
        PassTimes(training, labels.Count);
        var settings = new TrainingSettings(Steps: maxIterations, EvalStepInterval: 10) { Optimizer = OptimizerKind.Lbfgs };
        var runs = grid ? new (string, float?)[] { ("given_l2=1e-4", 1e-4f), ("grid", null) } : [("given_l2=1e-4", 1e-4f)];
        foreach (var (name, l2) in runs)
        {
            using var log = new Serilog.LoggerConfiguration().WriteTo.Sink(new StderrLogSink()).CreateLogger();
            clock.Restart();
            var cpuBefore = Rate.CpuTime();
            var result = Trainer.Run(new TrainingJob(training, validation, testing, labels, settings with { L2Regularization = l2 }), log, CancellationToken.None);
            Console.WriteLine(string.Create(c,
                $"lbfgs_scale {name} max_iterations={maxIterations} train_s={clock.Elapsed.TotalSeconds:0.0} cpu_s={(Rate.CpuTime() - cpuBefore).TotalSeconds:0.0} test_accuracy={result.Test.Accuracy:0.0000} " +
                $"train_accuracy={result.LastTrainAccuracy:0.0000} load_avg={MachineState.LoadAverage()}"));
        }
    }

    /// <summary>
    /// One pass (the loss and its gradient over every training vector, both cores) with each kernel family, alternated
    /// in one process so the machine's load weighs on both alike: the median CPU and wall seconds of three each.
    /// </summary>
    private static void PassTimes(LabeledVectors training, int classCount)
    {
        var layer = new FinalLayer(training.VectorLength, classCount, new Random(1));
        using var trainable = TrainableLayer.Create(layer, spareCore: true);
        var objective = new SoftmaxRegressionObjective(trainable, training, 1e-4f);
        var x = objective.Pack();
        var gradient = new float[x.Length];
        var times = new Dictionary<bool, List<(double Cpu, double Wall)>> { [false] = [], [true] = [] };
        for (var round = 0; round < 3; round++)
        {
            foreach (var panels in new[] { false, true })
            {
                trainable.UsePanelKernels = panels;
                var cpu = Rate.CpuTime().TotalSeconds;
                var wall = Stopwatch.StartNew();
                objective.Evaluate(x, gradient);
                times[panels].Add((Rate.CpuTime().TotalSeconds - cpu, wall.Elapsed.TotalSeconds));
            }
        }

        static double Median(IEnumerable<double> values) => values.Order().ElementAt(1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lbfgs_scale pass linear_cpu_s={Median(times[false].Select(t => t.Cpu)):0.000} linear_wall_s={Median(times[false].Select(t => t.Wall)):0.000} " +
            $"panel_cpu_s={Median(times[true].Select(t => t.Cpu)):0.000} panel_wall_s={Median(times[true].Select(t => t.Wall)):0.000} load_avg={MachineState.LoadAverage()}"));
    }


    /// <summary>
    /// Food-101-shaped vectors: non-negative like a ReLU backbone's pooled features, a class signal on a few hundred
    /// dimensions under noise, so the classes overlap and the optimum is not trivially reached.
    /// </summary>
    private static LabeledVectors Generate(int count, int seed)
    {
        var centres = new float[ScaleClasses * ScaleLength];
        var centreRng = new Random(7);
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = centreRng.NextDouble() < 0.15 ? (float)(centreRng.NextDouble() * 0.1) : 0f;
        }

        var rng = new Random(seed);
        var vectors = new float[(long)count * ScaleLength];
        var labels = new int[count];
        var paths = new string[count];
        for (var i = 0; i < count; i++)
        {
            var label = rng.Next(ScaleClasses);
            labels[i] = label;
            paths[i] = string.Empty;
            var row = vectors.AsSpan(i * ScaleLength, ScaleLength);
            var centre = centres.AsSpan(label * ScaleLength, ScaleLength);
            for (var k = 0; k < ScaleLength; k++)
            {
                row[k] = Math.Max(0f, centre[k] + (float)((rng.NextDouble() * 2) - 1));
            }
        }

        return new LabeledVectors(ScaleLength, vectors, labels, paths);
    }

    /// <summary>The peer's vector file: count, length, then per row its part (0 train, 1 validation, 2 test), label and values.</summary>
    private static void WriteVectors(string path, LabeledVectors training, LabeledVectors validation, LabeledVectors testing)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(training.Count + validation.Count + testing.Count);
        writer.Write(training.VectorLength);
        foreach (var (part, vectors) in new[] { (0, training), (1, validation), (2, testing) })
        {
            for (var i = 0; i < vectors.Count; i++)
            {
                writer.Write((byte)part);
                writer.Write(vectors.Labels[i]);
                foreach (var v in vectors.Vector(i))
                {
                    writer.Write(v);
                }
            }
        }
    }
}
