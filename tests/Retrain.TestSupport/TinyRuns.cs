using System.Globalization;
using Retrain.Bottlenecks;
using Retrain.Inference;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// A retrain run on <see cref="TinyBackbone"/> with small training flags: the whole pipeline in well under a second,
/// for end-to-end robustness tests. Outputs and the bottleneck cache go under a work folder.
/// </summary>
public static class TinyRuns
{
    public const int Steps = 60;

    public static RetrainOptions Options(string workDir, string imageDir, string model) => new()
    {
        ImageDir = imageDir,
        TfhubModule = model,
        Model = TinyBackbone.Overrides,
        OutputGraph = Path.Combine(workDir, "out", "output_graph.pb"),
        OutputLabels = Path.Combine(workDir, "out", "output_labels.txt"),
        BottleneckDir = Path.Combine(workDir, "bottlenecks"),
        HowManyTrainingSteps = Steps,
        TrainBatchSize = 16,
        EvalStepInterval = 20,
        ValidationBatchSize = -1,
        Inference = new InferenceSettings(IntraOpThreads: 1),
    };

    /// <summary>The same run as command-line flags for the `retrain` CLI.</summary>
    public static string[] Arguments(RetrainOptions o) =>
    [
        "--image_dir", o.ImageDir,
        "--tfhub_module", o.TfhubModule!,
        "--input_layer", o.Model.InputNode!,
        "--bottleneck_layer", o.Model.OutputNode!,
        "--output_graph", o.OutputGraph,
        "--output_labels", o.OutputLabels,
        "--bottleneck_dir", o.BottleneckDir,
        "--how_many_training_steps", o.HowManyTrainingSteps.ToString(CultureInfo.InvariantCulture),
        "--train_batch_size", o.TrainBatchSize.ToString(CultureInfo.InvariantCulture),
        "--eval_step_interval", o.EvalStepInterval.ToString(CultureInfo.InvariantCulture),
        "--validation_batch_size", o.ValidationBatchSize.ToString(CultureInfo.InvariantCulture),
        "--random_seed", o.RandomSeed.ToString(CultureInfo.InvariantCulture),
        "--testing_percentage", o.TestingPercentage.ToString(CultureInfo.InvariantCulture),
        "--validation_percentage", o.ValidationPercentage.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>The cache of the one model that ran with <paramref name="bottleneckDir"/> (its only model folder).</summary>
    internal static BottleneckCache Cache(string bottleneckDir) =>
        new(bottleneckDir, Path.GetFileName(Directory.GetDirectories(bottleneckDir).Single()), TinyBackbone.BottleneckLength);

    /// <summary>Whether the cache holds a valid (complete, checksummed) vector for the image file's bytes.</summary>
    internal static bool HasVector(BottleneckCache cache, string imagePath) =>
        cache.TryRead(BottleneckCache.ContentKey(File.ReadAllBytes(imagePath)), new float[cache.VectorLength]);
}
