using System.Text.RegularExpressions;
using Retrain.Bottlenecks;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue 5, crash safety: the real `retrain` CLI is killed with SIGKILL at seeded random moments while it computes
/// bottlenecks and while it trains, then run to completion. No completed vector is lost or recomputed, no torn vector
/// or half-written output is ever there to be read, and the final outputs are byte for byte those of a run that was
/// never interrupted. Kills are triggered by progress (vectors on disk, logged training steps), not by the clock, so
/// they land in the phase they aim at on a fast or a loaded machine.
/// </summary>
public sealed partial class RetrainCrashSafetyTests : IDisposable
{
    private const string BottleneckPhase = "Bottleneck cache:";
    private const int Steps = 3000;
    private const int EvalStepInterval = 5;

    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void KilledRuns_LoseNoFinishedWork_AndTheResumedRunEqualsAnUninterruptedOne()
    {
        var imageDir = Path.Combine(_work.Path, "images");
        // Photos large enough (noisy 960x720) that decoding the 60 of them takes a good fraction of a second: the kills
        // aimed at the bottleneck pass must land before it ends, and writing a vector costs almost nothing.
        var images = TinyDataset.Create(imageDir, perClass: 20, width: 960, height: 720);
        var model = TinyBackbone.Write(_work.Path);
        var reference = TinyRuns.Options(Path.Combine(_work.Path, "reference"), imageDir, model) with
        {
            HowManyTrainingSteps = Steps,
            EvalStepInterval = EvalStepInterval,
            TrainBatchSize = 100,
        };
        var resumed = reference with
        {
            OutputGraph = Path.Combine(_work.Path, "resumed", "out", "output_graph.pb"),
            OutputLabels = Path.Combine(_work.Path, "resumed", "out", "output_labels.txt"),
            BottleneckDir = Path.Combine(_work.Path, "resumed", "bottlenecks"),
        };

        using (var uninterrupted = Start(reference))
        {
            Assert.True(uninterrupted.WaitForExit() == 0, uninterrupted.Log);
        }

        // Complete outputs of an earlier run are in place, so every kill has something it could tear.
        Directory.CreateDirectory(Path.GetDirectoryName(resumed.OutputGraph)!);
        File.Copy(model, resumed.OutputGraph);
        File.WriteAllText(resumed.OutputLabels, "an\nearlier\nrun\n");

        // Two kills while vectors are being written (after a seeded number of them), two during training (after a
        // seeded step), each run resuming from what the previous ones left.
        var random = new Random(20240605);
        var cacheRoot = (string?)null;
        var valid = 0;
        for (var kill = 0; kill < 4; kill++)
        {
            using var run = Start(resumed);
            string moment;
            if (kill < 2)
            {
                Assert.True(run.WaitForLine(BottleneckPhase), run.Log);
                cacheRoot ??= CacheRoot(run);
                var target = valid + 1 + random.Next((images.Count - valid) / 2);
                WaitUntil(run, () => CountVectors(cacheRoot) >= target);
                moment = $"after {target} vectors";
            }
            else
            {
                var step = EvalStepInterval * random.Next(Steps * 2 / 3 / EvalStepInterval); // steps that are logged
                WaitUntil(run, () => run.Lines.Any(l => l.Line.Contains($"Step {step}: ", StringComparison.Ordinal)));
                moment = $"at training step {step}";
                if (kill == 2)
                {
                    // The first run to get past the bottlenecks reused every vector the killed runs had finished.
                    Assert.Contains(
                        $"Bottlenecks ready: {images.Count - valid} computed, {valid} reused from cache", run.Log, StringComparison.Ordinal);
                }
            }

            run.Kill();
            var before = valid;
            valid = AssertCacheIntact(cacheRoot!, images);
            AssertOutputsComplete(resumed);
            TestContext.Current.SendDiagnosticMessage($"kill {kill + 1} {moment}: {valid}/{images.Count} vectors in the cache");
            Assert.True(valid >= before, $"kill {kill + 1}: the cache lost vectors ({before} -> {valid})");
            if (kill < 2)
            {
                Assert.InRange(valid, before + 1, images.Count - 1); // the kill did land while vectors were being written
            }
            else
            {
                Assert.Equal(images.Count, valid);
            }
        }

        using var final = Start(resumed);
        Assert.True(final.WaitForExit() == 0, final.Log);

        Assert.Contains($"Bottlenecks ready: 0 computed, {images.Count} reused from cache", final.Log, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(reference.OutputGraph), File.ReadAllBytes(resumed.OutputGraph));
        Assert.Equal(File.ReadAllText(reference.OutputLabels), File.ReadAllText(resumed.OutputLabels));
    }

    private static RetrainProcess Start(RetrainOptions options) =>
        RetrainProcess.Start([.. TinyRuns.Arguments(options), "--inference_batch_size", "4"]);

    /// <summary>Polls until <paramref name="condition"/> holds; the run ending first fails the test (nothing left to kill).</summary>
    private static void WaitUntil(RetrainProcess run, Func<bool> condition)
    {
        while (!condition())
        {
            Assert.False(run.HasExited && !condition(), "retrain finished before the moment chosen to kill it:\n" + run.Log);
            Assert.False(run.Hung, "retrain never reached the moment chosen to kill it:\n" + run.Log);
            Thread.Sleep(1);
        }
    }

    private static string CacheRoot(RetrainProcess run)
    {
        var line = run.Lines.First(l => l.Line.Contains(BottleneckPhase, StringComparison.Ordinal)).Line;
        return line[(line.IndexOf(BottleneckPhase, StringComparison.Ordinal) + BottleneckPhase.Length)..].Trim();
    }

    /// <summary>Intact vectors the running process has appended so far (its pack may end in a record being written).</summary>
    private static int CountVectors(string cacheRoot)
    {
        using var cache = OpenCache(cacheRoot);
        return cache.Inspect().IntactKeys.Count;
    }

    private static BottleneckCache OpenCache(string cacheRoot) =>
        new(Path.GetDirectoryName(cacheRoot)!, Path.GetFileName(cacheRoot), TinyBackbone.BottleneckLength);

    /// <summary>
    /// The cache holds nothing but packs; every record in them is complete and checksummed, belongs to one of the
    /// images and was computed once (no finished vector was recomputed); each pack ends in at most one torn record, the
    /// one being written when the process was killed. Returns the vector count.
    /// </summary>
    private static int AssertCacheIntact(string cacheRoot, IReadOnlyList<string> images)
    {
        using var cache = OpenCache(cacheRoot);
        var keys = images.Select(p => BottleneckCache.ContentKey(File.ReadAllBytes(p))).ToHashSet(StringComparer.Ordinal);
        var contents = cache.Inspect();
        Assert.Equal(Directory.GetFiles(cacheRoot, "*", SearchOption.AllDirectories).Order(), contents.Packs.Order());
        Assert.Empty(contents.DamagedKeys);
        Assert.All(contents.IntactKeys, key => Assert.Contains(key, keys));
        Assert.Equal(contents.IntactKeys.Count, contents.IntactKeys.Distinct().Count());
        Assert.InRange(contents.UnreadBytes, 0, (VectorPack.RecordSize(TinyBackbone.BottleneckLength) - 1) * contents.Packs.Count);
        return contents.IntactKeys.Count;
    }

    /// <summary>The outputs are either absent or complete: a parsable graph with the new layer, a full labels file.</summary>
    private static void AssertOutputsComplete(RetrainOptions options)
    {
        var graph = GraphDefFile.Load(options.OutputGraph);
        var labels = File.ReadAllText(options.OutputLabels);
        Assert.True(
            labels is "an\nearlier\nrun\n" or "blue\ngreen\nred\n",
            $"output_labels.txt holds '{labels}'");
        if (labels != "an\nearlier\nrun\n")
        {
            Assert.Contains(graph.Node, n => n.Name == RetrainedGraphWriter.Add);
        }

        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(options.OutputGraph)!))
        {
            var name = Path.GetFileName(file);
            Assert.True(name is "output_graph.pb" or "output_labels.txt" || TemporaryFile().IsMatch(name), $"unexpected file {file}");
        }
    }

    [GeneratedRegex(@"\.tmp-[0-9a-f-]+$")]
    private static partial Regex TemporaryFile();
}
