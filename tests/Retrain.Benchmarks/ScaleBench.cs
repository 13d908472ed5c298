using System.Diagnostics;
using System.Globalization;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Inference;
using SkiaSharp;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>
/// The training side at dataset scale (`--scale N`, e.g. 100000): N small generated photos in 5 class folders whose
/// bottleneck vectors (MobileNet v1 0.25_224's length, class-dependent values) are written straight into the cache
/// the real `retrain` command then finds, so the figures are those of a run where every vector is cached: how long
/// until the vectors are loaded and the first step trains, peak memory against the vectors' own size, and how many
/// files the cache needed.
/// </summary>
internal static class ScaleBench
{
    private const int Classes = 5;

    public static void Run(BenchOptions o)
    {
        if (o.Retrain is null)
        {
            throw new ArgumentException("--scale needs the retrain command (scripts/bench.sh passes --retrain)");
        }

        var spec = BenchModel.All.Single(m => m.Name == "mobilenet_v1_0.25_224");
        using var scratch = new ScratchFolder("retrain-scale-");
        var work = scratch.Path;
        var clock = Stopwatch.StartNew();
        string key;
        int length;
        using (var model = LoadedModel.OpenBackbone(spec.PathIn(o.Shared), new ModelOverrides(), new InferenceSettings()))
        {
            (key, length) = (model.CacheKey, model.OutputLength);
        }

        var imageDir = Path.Combine(work, "images");
        string cacheRoot;
        using (var cache = new BottleneckCache(Path.Combine(work, "bottlenecks"), key, length))
        {
            Generate(imageDir, cache, o.Scale, length);
            cacheRoot = cache.Root;
        }

        var generateSeconds = clock.Elapsed.TotalSeconds;
        var cacheFiles = Directory.GetFiles(cacheRoot, "*", SearchOption.AllDirectories);
        Print($"images={o.Scale} classes={Classes} generate_s={F(generateSeconds)} vector_length={length} " +
              $"vectors_mb={F((double)o.Scale * length * sizeof(float) / (1 << 20))} cache_files={cacheFiles.Length} " +
              $"cache_mb={F(cacheFiles.Sum(f => new FileInfo(f).Length) / (double)(1 << 20))}");

        var run = RetrainWithTimings(o.Retrain, [
            "--image_dir", imageDir, "--tfhub_module", spec.PathIn(o.Shared), "--bottleneck_dir", Path.Combine(work, "bottlenecks"),
            "--output_graph", Path.Combine(work, "out", "output_graph.pb"), "--output_labels", Path.Combine(work, "out", "output_labels.txt"),
            "--how_many_training_steps", o.TrainingSteps.ToString(CultureInfo.InvariantCulture),
        ]);
        Print($"retrain_command_s={F(run.Total)} bottlenecks_ready_s={F(run.BottlenecksReady)} first_step_s={F(run.FirstStep)} " +
              $"peak_rss_mb={F(run.PeakRssMb)} steps={o.TrainingSteps} ({run.Ready.Trim()})");
        Print($"final: {run.Final.Trim()}");
    }

    /// <summary>Unique 8x8 PNGs (the index is in the pixels) and, for each, a vector near its class's centre.</summary>
    private static void Generate(string imageDir, BottleneckCache cache, int count, int length)
    {
        for (var c = 0; c < Classes; c++)
        {
            Directory.CreateDirectory(Path.Combine(imageDir, $"class{c}"));
        }

        // Each image's noise comes from its own seed, so a --scale N run always generates the same data.
        Parallel.For(0, count, () => new float[length], (i, _, vector) =>
        {
            var c = i % Classes;
            var bytes = Png(i);
            File.WriteAllBytes(Path.Combine(imageDir, $"class{c}", $"img{i:0000000}.png"), bytes);
            var random = new Random(i);
            for (var k = 0; k < length; k++)
            {
                vector[k] = (float)random.NextDouble() * 0.1f;
            }

            vector[c * 7] += 1f;
            cache.Write(BottleneckCache.ContentKey(bytes), vector);
            return vector;
        }, _ => { });
    }

    private static byte[] Png(int index)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var p = 0; p < 64; p++)
        {
            var v = (byte)((index >> (p % 24)) & 1) == 1 ? (byte)200 : (byte)40;
            bitmap.SetPixel(p % 8, p / 8, new SKColor(v, (byte)(index % 251), (byte)(p * 3)));
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed record Timings(double Total, double BottlenecksReady, double FirstStep, double PeakRssMb, string Ready, string Final);

    /// <summary>The command in its own process, with the moment each log line of interest arrived.</summary>
    private static Timings RetrainWithTimings(string dll, IEnumerable<string> args)
    {
        double ready = double.NaN, first = double.NaN;
        string readyLine = "", finalLine = "";
        var gate = new object();
        var (total, _, _, peak) = ChildProcess.RunCapturingLog(dll, args, (line, seconds) =>
        {
            lock (gate)
            {
                if (line.Contains("Bottlenecks ready:", StringComparison.Ordinal))
                {
                    (ready, readyLine) = (seconds, line);
                }
                else if (double.IsNaN(first) && line.Contains("Step 0: Train accuracy", StringComparison.Ordinal))
                {
                    first = seconds;
                }
                else if (line.Contains("Final test accuracy", StringComparison.Ordinal))
                {
                    finalLine = line;
                }
            }
        });
        return new Timings(total, ready, first, peak, readyLine, finalLine);
    }

    private static void Print(string line) => Console.WriteLine("scale " + line);
}
