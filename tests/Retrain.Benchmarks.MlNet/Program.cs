using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Retrain.Benchmarks.MlNet;

/// <summary>
/// The ML.NET way to do what `retrain` does, for the speed benchmark: LoadImages, ResizeImages, ExtractPixels
/// (interleaved NHWC, (x - mean) / std), ApplyOnnxModel on the ONNX that retrain's importer wrote, then
/// LbfgsMaximumEntropy on the features. Featurisation is timed over every image `--runs` times; training and test
/// accuracy use the benchmark's own split (the image list says which part each image is in). Prints one line:
/// <c>mlnet images=N load_s=… featurize_img_per_s=… featurize_runs=… train_s=… test_accuracy=… peak_rss_mb=…</c>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var a = Args.Parse(args);
        var rows = File.ReadAllLines(a.Get("images"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => new ImageRow { Part = f[0], Label = f[1], ImagePath = f[2] })
            .ToList();
        var input = a.Get("input");
        var output = a.Get("output");
        var height = a.Int("height");
        var width = a.Int("width");
        var mean = a.Float("mean");
        var std = a.Float("std");
        var runs = a.Int("runs");

        var ml = new MLContext(seed: 0);
        var images = ml.Data.LoadFromEnumerable(rows);
        var featurize = ml.Transforms.LoadImages("image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("image", width, height, "image", ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ExtractPixels(input, "image", interleavePixelColors: true, offsetImage: mean, scaleImage: 1f / std))
            .Append(ml.Transforms.ApplyOnnxModel([output], [input], a.Get("model")));

        var clock = Stopwatch.StartNew();
        var featurizer = featurize.Fit(images); // creates the ONNX Runtime session: not part of the per-image rate
        var loadSeconds = clock.Elapsed.TotalSeconds;

        float[][] features = [];
        var rates = new List<double>();
        var cpuMs = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var cpuAtStart = CpuTime();
            clock.Restart();
            features = featurizer.Transform(images).GetColumn<float[]>(output).ToArray();
            rates.Add(features.Length / clock.Elapsed.TotalSeconds);
            cpuMs.Add((CpuTime() - cpuAtStart).TotalMilliseconds / features.Length);
        }

        clock.Restart();
        var (accuracy, testCount) = TrainAndTest(ml, rows, features);
        var trainSeconds = clock.Elapsed.TotalSeconds;

        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c,
            $"mlnet images={features.Length} load_s={loadSeconds:0.00} featurize_img_per_s={Median(rates):0.00} cpu_ms_per_image={Median(cpuMs):0.00} " +
            $"featurize_runs={string.Join(',', rates.Select(r => r.ToString("0.00", c)))} train_s={trainSeconds:0.00} " +
            $"test_accuracy={accuracy:0.0000} test_images={testCount} peak_rss_mb={PeakRssMegabytes():0}"));
        return 0;
    }

    /// <summary>LbfgsMaximumEntropy on the training part's features, accuracy on the testing part's.</summary>
    private static (double Accuracy, int TestCount) TrainAndTest(MLContext ml, List<ImageRow> rows, float[][] features)
    {
        var length = features[0].Length;
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, length);
        FeatureRow[] Part(string part) => rows
            .Select((r, i) => (r, i))
            .Where(x => x.r.Part == part)
            .Select(x => new FeatureRow { Label = x.r.Label, Features = features[x.i] })
            .ToArray();

        var train = ml.Data.LoadFromEnumerable(Part("training"), schema);
        var testRows = Part("testing");
        var test = ml.Data.LoadFromEnumerable(testRows, schema);
        var trainer = ml.Transforms.Conversion.MapValueToKey(nameof(FeatureRow.Label))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(nameof(FeatureRow.Label), nameof(FeatureRow.Features)));
        var model = trainer.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test), nameof(FeatureRow.Label));
        return (metrics.MicroAccuracy, testRows.Length);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static double PeakRssMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? Environment.WorkingSet / 1048576.0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private sealed class ImageRow
    {
        public string Part { get; set; } = "";

        public string Label { get; set; } = "";

        public string ImagePath { get; set; } = "";
    }

    private sealed class FeatureRow
    {
        public string Label { get; set; } = "";

        public float[] Features { get; set; } = [];
    }

    /// <summary>`--name value` pairs.</summary>
    private sealed class Args(Dictionary<string, string> values)
    {
        public static Args Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                values[args[i].TrimStart('-')] = args[i + 1];
            }

            return new Args(values);
        }

        public string Get(string name) =>
            values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");

        public int Int(string name) => int.Parse(Get(name), CultureInfo.InvariantCulture);

        public float Float(string name) => float.Parse(Get(name), CultureInfo.InvariantCulture);
    }
}
