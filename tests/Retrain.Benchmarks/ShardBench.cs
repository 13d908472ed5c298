using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Graphs;
using Retrain.Inference;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>
/// The bottleneck pass in shards (`--shards 1,2,4`, docs/many-machines.md): for each count N, N concurrent
/// `retrain --bottlenecks_only --shard i/N` processes over the same photos and one fresh cache folder, as N tasks of a
/// job array on one node would run. Reports the wall time from the first start to the last exit, what the processes
/// logged (computed counts a byte-identical copy of a photo along with its original), photos given to more than one
/// shard, the vectors written to the cache (one per model run) against the distinct photos, and what a later pass over
/// the same cache still computes (0 when the shards covered everything).
/// </summary>
internal static partial class ShardBench
{
    public static void Run(BenchOptions o, BenchModel spec)
    {
        if (o.Retrain is null)
        {
            throw new ArgumentException("--shards needs the retrain command (scripts/bench.sh passes --retrain)");
        }

        string key;
        int length;
        using (var model = LoadedModel.OpenBackbone(spec.PathIn(o.Shared), new ModelOverrides(), new InferenceSettings()))
        {
            (key, length) = (model.CacheKey, model.OutputLength);
        }

        var photos = Directory.GetFiles(o.ImageDir, "*.jpg", SearchOption.AllDirectories);
        var distinct = photos.Select(p => BottleneckCache.ContentKey(File.ReadAllBytes(p))).Distinct().Count();
        Print(spec, $"photos={photos.Length} distinct_contents={distinct} load_avg={MachineState.LoadAverage()}");
        foreach (var count in o.Shards)
        {
            var runs = Enumerable.Range(0, o.Runs).Select(_ => Once(o, spec, count, key, length)).ToList();
            var wall = runs.Select(r => r.Seconds).ToList();
            var median = Median(wall);
            var typical = runs.OrderBy(r => Math.Abs(r.Seconds - median)).First();
            Print(spec, $"processes={count} wall_s={F(median)} (runs {List(wall)}) images_per_s={F(photos.Length / median)} " +
                $"computed={typical.Computed} reused={typical.Reused} in_more_than_one_shard={typical.Assigned - photos.Length} " +
                $"vectors_written={typical.Records} computed_twice={typical.Records - typical.DistinctRecords} distinct_cached={typical.DistinctRecords} " +
                $"packs={typical.Packs} recheck_computed={typical.Recheck} " +
                $"per_process_s={List(typical.PerProcess)} load_avg={MachineState.LoadAverage()}");
        }
    }

    private static Result Once(BenchOptions o, BenchModel spec, int count, string key, int length)
    {
        using var scratch = new ScratchFolder("retrain-shards-");
        var cache = Path.Combine(scratch.Path, "bottlenecks");
        string[] Common() => ["--image_dir", o.ImageDir, "--tfhub_module", spec.PathIn(o.Shared), "--bottleneck_dir", cache, "--bottlenecks_only"];
        var clock = Stopwatch.StartNew();
        var shards = Enumerable.Range(0, count)
            .Select(i => Task.Run(() => ChildProcess.RunCapturingLog(o.Retrain!, [.. Common(), "--shard", $"{i}/{count}"])))
            .ToArray();
        Task.WaitAll(shards);
        var seconds = clock.Elapsed.TotalSeconds;
        var logs = shards.Select(s => Cached(s.Result.Stderr + s.Result.Stdout)).ToList();
        CacheContents contents;
        using (var written = new BottleneckCache(cache, key, length))
        {
            contents = written.Inspect();
        }

        // The same pass once more, without a shard: whatever the shards missed, it computes.
        var recheck = ChildProcess.RunCapturingLog(o.Retrain!, Common());
        return new Result(
            seconds,
            logs.Sum(l => l.Images),
            logs.Sum(l => l.Computed),
            logs.Sum(l => l.Reused),
            contents.IntactKeys.Count,
            contents.IntactKeys.Distinct().Count(),
            contents.Packs.Count,
            Cached(recheck.Stderr + recheck.Stdout).Computed,
            [.. shards.Select(s => s.Result.Seconds)]);
    }

    private static (int Images, int Computed, int Reused) Cached(string log)
    {
        var m = CachedLine().Match(log);
        if (!m.Success)
        {
            throw new InvalidOperationException("retrain --bottlenecks_only did not log what it cached:\n" + log);
        }

        int N(int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        return (N(1), N(2), N(3));
    }

    private static void Print(BenchModel spec, string line) => Console.WriteLine($"shards {spec.Name} {line}");

    [GeneratedRegex(@"Cached the bottlenecks of (\d+) images in .*: (\d+) computed, (\d+) reused, \d+ skipped")]
    private static partial Regex CachedLine();

    private sealed record Result(double Seconds, int Assigned, int Computed, int Reused, int Records, int DistinctRecords, int Packs, int Recheck, double[] PerProcess);
}
