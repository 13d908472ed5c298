using Retrain.Data;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests;

/// <summary>Issue 20, part 1: the bottleneck pass in shards, then one training run over the shared cache.</summary>
public class RetrainEngineShardTests
{
    [Fact]
    public void ShardedBottleneckRuns_CacheEachImageOnce_AndTrainingComputesNothing()
    {
        using var tiny = new TinyRetrain();
        var log = new LogCapture();
        var results = Enumerable.Range(0, 3)
            .Select(i => RetrainEngine.CacheBottlenecks(
                tiny.Options($"shard{i}") with { BottlenecksOnly = true, Shard = Shard.Checked(i, 3, Flags.Shard) },
                log.Logger,
                TestContext.Current.CancellationToken))
            .ToList();

        var total = TinyRetrain.Classes.Length * 24;
        Assert.Equal(total, results.Sum(r => r.Images));
        Assert.Equal(total, results.Sum(r => r.Computed));
        Assert.All(results, r => Assert.Equal(0, r.Reused));
        Assert.All(results, r => Assert.InRange(r.Images, 1, total - 1));
        Assert.False(File.Exists(tiny.Options("shard0").OutputGraph));

        var training = RetrainEngine.Run(tiny.Options("train"), new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(0, training.BottlenecksComputed);
        Assert.Equal(total, training.BottlenecksReused);
        var oneProcess = RetrainEngine.Run(tiny.Options("alone") with { BottleneckDir = Path.Combine(tiny.Root, "alone-cache") }, new LogCapture().Logger, TestContext.Current.CancellationToken);
        Assert.Equal(oneProcess.Training.Test.Accuracy, training.Training.Test.Accuracy);
        Assert.Equal(oneProcess.Training.Layer.Weights.ToArray(), training.Training.Layer.Weights.ToArray());
    }

    [Fact]
    public void ARerunShard_ReusesWhatItCached()
    {
        using var tiny = new TinyRetrain(perClass: 8);
        var options = tiny.Options() with { BottlenecksOnly = true, Shard = Shard.Checked(1, 2, Flags.Shard) };

        var first = RetrainEngine.CacheBottlenecks(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var again = RetrainEngine.CacheBottlenecks(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(first.Images, again.Images);
        Assert.Equal(0, again.Computed);
        Assert.Equal(first.Computed, again.Reused);
    }

    [Fact]
    public void PercentagesThatLeaveNoTrainingImages_StopTraining_ButNotCaching()
    {
        // 0% test and 99.9% validation: an image trains only if its name hashes to 99.9 or more, which two classes of
        // five spread names almost never do (odds under 1 in 10,000). A training run refuses that before any bottleneck;
        // a caching run computes every image's vector whatever its part.
        using var tiny = new TinyRetrain(perClass: 5);
        var options = tiny.Options() with { TestingPercentage = 0, ValidationPercentage = 99.9 };

        var log = new LogCapture();
        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, log.Logger, TestContext.Current.CancellationToken));
        var cached = RetrainEngine.CacheBottlenecks(options with { BottlenecksOnly = true }, new LogCapture().Logger, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.StartsWith("Nothing to train on: with --testing_percentage 0 and --validation_percentage 99.9", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Events, l => l.RenderMessage().StartsWith("Bottlenecks", StringComparison.Ordinal));
        Assert.Equal(TinyRetrain.Classes.Length * 5, cached.Computed);
    }

    [Fact]
    public void AShardWithoutBottlenecksOnly_IsAUsageErrorNamingTheFlag()
    {
        using var tiny = new TinyRetrain(perClass: 5);
        var options = tiny.Options() with { Shard = Shard.Checked(0, 2, Flags.Shard) };

        var e = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--shard", e.Message, StringComparison.Ordinal);
        Assert.Contains("--bottlenecks_only", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(options.OutputGraph));
    }
}
