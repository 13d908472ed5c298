using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Retrain.Benchmarks.MlNet;

/// <summary>
/// The ML.NET way to do what `retrain` does, for the speed benchmark: LoadImages, ResizeImages, ExtractPixels
/// (interleaved NHWC, (x - mean) / std), ApplyOnnxModel on the ONNX that retrain's importer wrote, then
/// LbfgsMaximumEntropy on the features, with the benchmark's own split (the image list says which part each image is in).
/// It serves the benchmark over stdin/stdout so that its featurisation passes can be taken between retrain's measurements
/// (the machine's speed drifts over minutes), in one process whose pipeline is warm after the first: after creating the
/// ONNX Runtime session it prints <c>ready load_s=…</c>, then answers one line per command:
/// <c>featurize START COUNT</c> -> <c>chunk images=N seconds=… cpu_ms=…</c> (one Transform over rows START..START+COUNT-1
/// of the list; the benchmark asks for all of them, a user's single pass over the dataset);
/// <c>train</c> -> <c>mlnet train_s=… test_accuracy=… test_images=… peak_rss_mb=…</c> (on each image's latest features).
/// It exits at the end of its input.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var a = Args.Parse(args);
        if (args.Contains("--vectors"))
        {
            return TrainOnVectors(a.Get("vectors"));
        }

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

        var ml = new MLContext(seed: 0);
        var featurize = ml.Transforms.LoadImages("image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("image", width, height, "image", ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ExtractPixels(input, "image", interleavePixelColors: true, offsetImage: mean, scaleImage: 1f / std))
            .Append(ml.Transforms.ApplyOnnxModel([output], [input], a.Get("model")));

        var c = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        var featurizer = featurize.Fit(ml.Data.LoadFromEnumerable(rows)); // creates the ONNX Runtime session: not part of the per-image rate
        Console.WriteLine(string.Create(c, $"ready load_s={clock.Elapsed.TotalSeconds:0.00}"));

        var features = new float[rows.Count][];
        while (Console.ReadLine() is { } command)
        {
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words)
            {
                case ["featurize", var first, var count]:
                    var start = int.Parse(first, c);
                    var chunk = rows.GetRange(start, int.Parse(count, c));
                    var cpuAtStart = CpuTime();
                    clock.Restart();
                    var computed = featurizer.Transform(ml.Data.LoadFromEnumerable(chunk)).GetColumn<float[]>(output).ToArray();
                    var seconds = clock.Elapsed.TotalSeconds;
                    var cpuMs = (CpuTime() - cpuAtStart).TotalMilliseconds;
                    computed.CopyTo(features, start);
                    Console.WriteLine(string.Create(c, $"chunk images={computed.Length} seconds={seconds:R} cpu_ms={cpuMs:R}"));
                    break;
                case ["train"]:
                    clock.Restart();
                    var (accuracy, testCount) = TrainAndTest(ml, rows, features);
                    Console.WriteLine(string.Create(c,
                        $"mlnet train_s={clock.Elapsed.TotalSeconds:0.00} test_accuracy={accuracy:0.0000} test_images={testCount} peak_rss_mb={PeakRssMegabytes():0}"));
                    break;
                default:
                    Console.Error.WriteLine($"unknown command: {command}");
                    return 2;
            }
        }

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

    /// <summary>
    /// <c>--vectors FILE</c>: LbfgsMaximumEntropy on vectors retrain computed (the benchmark's heads comparison), from
    /// the file HeadsBench writes: count, length, then per row its part (0 training, 1 validation, 2 testing), class
    /// index and values. Prints <c>mlnet train_s=… test_accuracy=… test_images=…</c>.
    /// </summary>
    private static int TrainOnVectors(string path)
    {
        var training = new List<FeatureRow>();
        var testing = new List<FeatureRow>();
        int length;
        using (var reader = new BinaryReader(File.OpenRead(path)))
        {
            var count = reader.ReadInt32();
            length = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var part = reader.ReadByte();
                var row = new FeatureRow { Label = reader.ReadInt32().ToString(CultureInfo.InvariantCulture), Features = new float[length] };
                for (var k = 0; k < length; k++)
                {
                    row.Features[k] = reader.ReadSingle();
                }

                (part == 0 ? training : part == 2 ? testing : null)?.Add(row);
            }
        }

        var ml = new MLContext(seed: 0);
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, length);
        var clock = Stopwatch.StartNew();
        var trainer = ml.Transforms.Conversion.MapValueToKey(nameof(FeatureRow.Label))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(nameof(FeatureRow.Label), nameof(FeatureRow.Features)));
        var model = trainer.Fit(ml.Data.LoadFromEnumerable(training, schema));
        var seconds = clock.Elapsed.TotalSeconds;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(testing, schema)), nameof(FeatureRow.Label));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mlnet test_accuracy={metrics.MicroAccuracy:0.0000} train_s={seconds:0.00} test_images={testing.Count}"));
        return 0;
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
