using System.Globalization;
using Retrain.Data;
using Retrain.Errors;

namespace Retrain.Cli;

/// <summary>
/// Which shard a <c>--bottlenecks_only</c> run caches: <c>--shard</c>, else the cluster engine's variables (a Slurm job
/// array's task, a Kubernetes Indexed Job's completion index), else none.
/// </summary>
internal static class ShardFlags
{
    public const string SlurmTaskId = "SLURM_ARRAY_TASK_ID";
    public const string SlurmTaskCount = "SLURM_ARRAY_TASK_COUNT";
    public const string SlurmTaskMin = "SLURM_ARRAY_TASK_MIN";
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";

    public static Shard? Resolve(string? shard, int? shardCount, bool bottlenecksOnly, Func<string, string?> environment)
    {
        if (shard is not null)
        {
            Flags.Require(shardCount is null, Flags.ShardCount, "cannot be combined with --shard, which gives the count itself (INDEX/COUNT)");
            return Shard.Parse(shard, Flags.Shard);
        }

        if (!bottlenecksOnly)
        {
            // A training job may run inside an array or an Indexed Job too: only a bottleneck pass is sharded.
            Flags.Require(shardCount is null, Flags.ShardCount, "needs --bottlenecks_only (only the bottleneck pass is split into shards)");
            return null;
        }

        if (environment(SlurmTaskId) is { } taskId)
        {
            // Array indices need not start at 0 (--array=1-4): the shard index counts from the array's first task.
            var id = Number(taskId, SlurmTaskId);
            var first = environment(SlurmTaskMin) is { } min ? Number(min, SlurmTaskMin) : 0;
            var count = shardCount ?? (environment(SlurmTaskCount) is { } c
                ? Number(c, SlurmTaskCount)
                : throw new RetrainException(ExitCode.Usage, $"{SlurmTaskId} is set but {SlurmTaskCount} is not: pass {Flags.ShardCount} N or {Flags.Shard} INDEX/COUNT."));
            return Shard.Checked(id - first, count, $"{SlurmTaskId}={taskId}" + (first != 0 ? $" ({SlurmTaskMin}={first})" : string.Empty));
        }

        if (environment(KubernetesIndex) is { } completionIndex)
        {
            var count = shardCount ?? throw new RetrainException(
                ExitCode.Usage,
                $"{KubernetesIndex} is set (a Kubernetes Indexed Job) but {Flags.ShardCount} is not: Kubernetes gives only the index, so pass {Flags.ShardCount} with the Job's completions.");
            return Shard.Checked(Number(completionIndex, KubernetesIndex), count, $"{KubernetesIndex}={completionIndex} and {Flags.ShardCount} {count}");
        }

        Flags.Require(shardCount is null, Flags.ShardCount, $"needs {KubernetesIndex} (set by a Kubernetes Indexed Job); outside one, pass {Flags.Shard} INDEX/COUNT");
        return null;
    }

    private static int Number(string text, string variable) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RetrainException(ExitCode.Usage, $"Invalid value '{text}' in the environment variable {variable}: expected a whole number.");
}
