using System.Diagnostics;
using Retrain.Bottlenecks;
using Retrain.Data;
using Retrain.Training;
using Serilog.Core;

namespace Retrain.Benchmarks;

/// <summary>Final-layer training as `retrain` runs it (Trainer.Run, retrain.py's defaults) on the real cached vectors.</summary>
internal static class TrainingBench
{
    public static (double Seconds, TrainingResult Result) Run(ImageLists lists, IReadOnlyList<string> paths, BottleneckSet set, int steps) =>
        Run(lists, paths, set, steps, new Inference.InferenceSettings());

    /// <summary>The same on <paramref name="inference"/>'s device; images not in <paramref name="paths"/> are left out.</summary>
    public static (double Seconds, TrainingResult Result) Run(ImageLists lists, IReadOnlyList<string> paths, BottleneckSet set, int steps, Inference.InferenceSettings inference)
    {
        var (training, validation, testing) = Parts(lists, paths, set);
        var defaults = new RetrainOptions { ImageDir = "" };
        var settings = new TrainingSettings(
            steps,
            defaults.LearningRate,
            defaults.EvalStepInterval,
            defaults.TrainBatchSize,
            defaults.ValidationBatchSize,
            defaults.TestBatchSize,
            defaults.RandomSeed) { Inference = inference };
        var clock = Stopwatch.StartNew();
        var result = Trainer.Run(new TrainingJob(training, validation, testing, lists.Labels, settings), Logger.None, CancellationToken.None);
        return (clock.Elapsed.TotalSeconds, result);
    }

    /// <summary>retrain's training, validation and testing parts of the cached vectors (images without one left out).</summary>
    public static (LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing) Parts(ImageLists lists, IReadOnlyList<string> paths, BottleneckSet set)
    {
        var index = paths.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
        LabeledVectors Part(DatasetPart part)
        {
            var images = lists.Images(part).Where(x => index.TryGetValue(x.Path, out var i) && set.Available[i]).ToList();
            var length = set.VectorLength;
            var vectors = new float[images.Count * length];
            for (var k = 0; k < images.Count; k++)
            {
                set.Vector(index[images[k].Path]).CopyTo(vectors.AsSpan(k * length, length));
            }

            return new LabeledVectors(length, vectors, [.. images.Select(x => x.ClassIndex)], [.. images.Select(x => x.Path)]);
        }

        return (Part(DatasetPart.Training), Part(DatasetPart.Validation), Part(DatasetPart.Testing));
    }
}
