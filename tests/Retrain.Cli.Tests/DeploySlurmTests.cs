using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue 20: deploy/slurm's scripts hold together, without a Slurm cluster (SlurmClusterTests runs them on one). The job
/// scripts run under bash with the variables Slurm sets and a stand-in `retrain` that prints its arguments, which then
/// go through the real parser; submit.sh runs with a stand-in `sbatch` that records how it is called.
/// </summary>
public sealed partial class DeploySlurmTests
{
    private static readonly string Folder = Path.Combine(SharedData.RepositoryRoot, "deploy", "slurm");

    private static readonly Dictionary<string, string> Paths = new()
    {
        ["IMAGE_DIR"] = "photos",
        ["TFHUB_MODULE"] = "models/inception_v3.pb",
        ["BOTTLENECK_DIR"] = "/cluster/bottlenecks",
        ["OUT_DIR"] = "/cluster/out",
    };

    [Fact]
    public void ArrayTasks_EachCacheTheirOwnShard_AndTogetherEveryShard()
    {
        var match = ArrayRange().Match(File.ReadAllText(Path.Combine(Folder, "bottlenecks.sbatch")));
        Assert.True(match.Success, "bottlenecks.sbatch has no '#SBATCH --array=FIRST-LAST' line");
        var first = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var last = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        var count = last - first + 1;

        using var dir = new TempFolder();
        var shards = new List<string>();
        for (var task = first; task <= last; task++)
        {
            // What Slurm sets in an array task (SLURM_ARRAY_TASK_COUNT is the number of tasks in the array).
            var slurm = new Dictionary<string, string>
            {
                [ShardFlags.SlurmTaskId] = $"{task}",
                [ShardFlags.SlurmTaskMin] = $"{first}",
                ["SLURM_ARRAY_TASK_MAX"] = $"{last}",
                [ShardFlags.SlurmTaskCount] = $"{count}",
            };
            var command = RunJobScript(dir, "bottlenecks.sbatch", slurm);
            Assert.True(command.Has(Flags.BottlenecksOnly), "the array tasks must run --bottlenecks_only");
            Assert.False(command.Has(Flags.Shard) || command.Has(Flags.ShardCount), "the shard must come from the array's variables, not flags");
            var options = command.Options();
            Assert.True(options.BottlenecksOnly);
            shards.Add(options.Shard!.ToString());
        }

        var expected = Enumerable.Range(0, count).Select(i => $"{i}/{count}").ToList();
        Assert.True(expected.SequenceEqual(shards), $"--array={first}-{last} should give the shards {string.Join(' ', expected)}; it gives {string.Join(' ', shards)}");
    }

    [Fact]
    public void TrainingJob_ReadsTheArraysCache_AndWritesToOutDir()
    {
        using var dir = new TempFolder();
        var shards = RunJobScript(dir, "bottlenecks.sbatch", new()
        {
            [ShardFlags.SlurmTaskId] = "0",
            [ShardFlags.SlurmTaskCount] = "4",
        });
        var training = RunJobScript(dir, "train.sbatch", new() { ["SLURM_JOB_ID"] = "4243" });

        DeployedCommand.AssertReadsTheSameCache(shards, training);
        Assert.False(training.Has(Flags.BottlenecksOnly), "the training job must train");
        var options = training.Options();
        Assert.Null(options.Shard);
        Assert.Equal("/cluster/out/output_graph.pb", options.OutputGraph);
        Assert.Equal("/cluster/out/output_labels.txt", options.OutputLabels);
        Assert.DoesNotMatch(ArrayRange(), File.ReadAllText(Path.Combine(Folder, "train.sbatch")));
    }

    [Fact]
    public void Submit_QueuesTheArray_ThenTrainingAfterEveryArrayTaskSucceeded()
    {
        using var dir = new TempFolder();
        var calls = Path.Combine(dir.Path, "sbatch-calls");
        // A stand-in sbatch: records its arguments and the paths the jobs will see, answers like `sbatch --parsable`
        // on a multi-cluster site ("JOBID;CLUSTER") the first time.
        Executable(dir, "sbatch", $$"""
            #!/usr/bin/env bash
            n=$(( $(cat '{{calls}}'.n 2>/dev/null || echo 0) + 1 )); echo "$n" > '{{calls}}'.n
            { echo "call $n"; printf 'arg %s\n' "$@"; echo "env IMAGE_DIR=$IMAGE_DIR TFHUB_MODULE=$TFHUB_MODULE BOTTLENECK_DIR=$BOTTLENECK_DIR OUT_DIR=$OUT_DIR"; } >> '{{calls}}'
            if [ "$n" = 1 ]; then echo "4242;cluster"; else echo 4243; fi
            """);

        var (code, output) = Bash(dir, [Path.Combine(Folder, "submit.sh"), "photos", "models/inception_v3.pb", "/cluster/bottlenecks", "/cluster/out", "--cpus-per-task=1"], new());

        Assert.True(code == 0, output);
        var submitted = File.ReadAllText(calls).Split("call ", StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        Assert.Equal(2, submitted.Count);
        string[] Args(string[] call) => [.. call.Where(l => l.StartsWith("arg ", StringComparison.Ordinal)).Select(l => l[4..])];
        var array = Args(submitted[0]);
        var train = Args(submitted[1]);

        Assert.Equal(Path.Combine(Folder, "bottlenecks.sbatch"), array[^1]);
        Assert.Contains("--parsable", array);
        Assert.DoesNotContain(array, a => a.StartsWith("--dependency", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(Folder, "train.sbatch"), train[^1]);
        Assert.Contains("--dependency=afterok:4242", train);
        foreach (var call in submitted)
        {
            // sbatch options after the four paths go to both jobs, before the script so they override its #SBATCH lines.
            Assert.Equal("--cpus-per-task=1", Args(call)[^2]);
            Assert.Contains("env IMAGE_DIR=photos TFHUB_MODULE=models/inception_v3.pb BOTTLENECK_DIR=/cluster/bottlenecks OUT_DIR=/cluster/out", call);
        }

        Assert.Contains("job 4242", output, StringComparison.Ordinal);
        Assert.Contains("job 4243", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_WithoutItsFourPaths_IsAUsageErrorAndSubmitsNothing()
    {
        using var dir = new TempFolder();
        Executable(dir, "sbatch", "#!/usr/bin/env bash\ntouch '" + Path.Combine(dir.Path, "submitted") + "'\n");

        var (code, output) = Bash(dir, [Path.Combine(Folder, "submit.sh"), "photos"], new());

        Assert.Equal(2, code);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "submitted")));
    }

    /// <summary>Runs a job script as a Slurm node would (bash, the submit.sh variables plus <paramref name="slurm"/>) with a `retrain` that prints its arguments.</summary>
    private static DeployedCommand RunJobScript(TempFolder dir, string script, Dictionary<string, string> slurm)
    {
        var retrain = Path.Combine(dir.Path, "retrain");
        if (!File.Exists(retrain))
        {
            Executable(dir, "retrain", "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
        }

        var environment = new Dictionary<string, string>(Paths) { ["RETRAIN"] = retrain };
        foreach (var (name, value) in slurm)
        {
            environment[name] = value;
        }

        var (code, output) = Bash(dir, [Path.Combine(Folder, script)], environment);
        Assert.True(code == 0, $"{script}: exit {code}\n{output}");
        return DeployedCommand.Parse($"deploy/slurm/{script}", ["retrain", .. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)], slurm);
    }

    private static void Executable(TempFolder dir, string name, string script)
    {
        var path = Path.Combine(dir.Path, name);
        File.WriteAllText(path, script.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Runs bash on <paramref name="arguments"/> in <paramref name="dir"/>, with the folder's stand-ins first on PATH.</summary>
    private static (int Code, string Output) Bash(TempFolder dir, IEnumerable<string> arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing from the test host's own environment that a job script reads.
        foreach (var name in new[] { "RETRAIN", "IMAGE_DIR", "TFHUB_MODULE", "BOTTLENECK_DIR", "OUT_DIR", ShardFlags.SlurmTaskId, ShardFlags.SlurmTaskMin, ShardFlags.SlurmTaskCount, ShardFlags.KubernetesIndex })
        {
            start.Environment.Remove(name);
        }

        start.Environment["PATH"] = dir.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "bash did not finish within 30 s");
        return (process.ExitCode, stdout + stderr.Result);
    }

    [GeneratedRegex(@"^#SBATCH\s+--array=(\d+)-(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ArrayRange();
}
