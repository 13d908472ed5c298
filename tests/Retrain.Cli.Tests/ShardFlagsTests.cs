using Retrain.Cli;
using Retrain.Errors;
using Xunit;

namespace Retrain.Tests;

/// <summary>Issue 20: the shard from --shard, a Slurm job array's variables or a Kubernetes Indexed Job's index.</summary>
public class ShardFlagsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void TheFlag_WinsOverTheEnvironment()
    {
        var shard = ShardFlags.Resolve("2/5", null, bottlenecksOnly: true, Env(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")));

        Assert.Equal("2/5", shard!.ToString());
    }

    [Fact]
    public void ASlurmArrayTask_IsCountedFromTheArraysFirstTask()
    {
        Assert.Equal("1/4", ShardFlags.Resolve(null, null, true, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")))!.ToString());
        Assert.Equal("0/4", ShardFlags.Resolve(null, null, true, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")))!.ToString());
    }

    [Fact]
    public void AKubernetesIndex_TakesItsCountFromTheFlag()
    {
        Assert.Equal("3/8", ShardFlags.Resolve(null, 8, true, Env(("JOB_COMPLETION_INDEX", "3")))!.ToString());

        var e = Assert.Throws<RetrainException>(() => ShardFlags.Resolve(null, null, true, Env(("JOB_COMPLETION_INDEX", "3"))));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--shard_count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutBottlenecksOnly_TheEnvironmentIsIgnored()
    {
        Assert.Null(ShardFlags.Resolve(null, null, bottlenecksOnly: false, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4"))));
        Assert.Null(ShardFlags.Resolve(null, null, bottlenecksOnly: true, Env()));
    }

    [Theory]
    [InlineData("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_ID=4")]
    [InlineData("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_ID")]
    [InlineData("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_COUNT", "0", "count 0")]
    [InlineData("SLURM_ARRAY_TASK_ID", "1", "OTHER", "4", "SLURM_ARRAY_TASK_COUNT")]
    public void ImpossibleVariables_AreUsageErrorsNamingTheVariable(string name1, string value1, string name2, string value2, string expected)
    {
        var e = Assert.Throws<RetrainException>(() => ShardFlags.Resolve(null, null, true, Env((name1, value1), (name2, value2))));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AShardCount_WithoutAnIndexedJob_IsAUsageError()
    {
        Assert.Equal(ExitCode.Usage, Assert.Throws<RetrainException>(() => ShardFlags.Resolve(null, 4, true, Env())).Code);
        Assert.Equal(ExitCode.Usage, Assert.Throws<RetrainException>(() => ShardFlags.Resolve(null, 4, false, Env())).Code);
        Assert.Equal(ExitCode.Usage, Assert.Throws<RetrainException>(() => ShardFlags.Resolve("0/4", 4, true, Env())).Code);
    }
}

public class ShardBindingTests
{
    [Fact]
    public void Bind_BottlenecksOnlyAndShard_ReachTheOptions()
    {
        var o = RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i", "--bottlenecks_only", "--shard", "1/3"]));

        Assert.True(o.BottlenecksOnly);
        Assert.Equal("1/3", o.Shard!.ToString());
        Assert.Null(RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i"])).Shard);
    }
}
