using System.Text.RegularExpressions;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// The single-node Slurm cluster that deploy/slurm/local-cluster.sh starts on this machine (munged, slurmctld and
/// slurmd on 127.0.0.1), and Slurm's commands pointed at it. Disposing it stops the daemons.
/// </summary>
internal sealed partial class LocalSlurmCluster : IDisposable
{
    public static readonly string Script = Path.Combine(SharedData.RepositoryRoot, "deploy", "slurm", "local-cluster.sh");

    /// <summary>Covers installing slurm-wlm and munge with apt-get on a fresh machine (about half a minute).</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    /// <summary>What the deploy scripts and Slurm read from the environment: never inherited from the test host's.</summary>
    private static readonly string[] Inherited =
    [
        "RETRAIN", "IMAGE_DIR", "TFHUB_MODULE", "BOTTLENECK_DIR", "OUT_DIR", "SLURM_", "SBATCH_", "SQUEUE_", "SINFO_",
        "RETRAIN_SLURM_DIR", "RETRAIN_SLURMCTLD_PORT", "RETRAIN_SLURMD_PORT",
    ];

    /// <summary>What local-cluster.sh was started with (its folder and ports), so stop finds the same cluster.</summary>
    private readonly IReadOnlyDictionary<string, string> _environment;

    private LocalSlurmCluster(string conf, IReadOnlyDictionary<string, string> environment) => (Conf, _environment) = (conf, environment);

    /// <summary>The cluster's slurm.conf, as local-cluster.sh printed it (<c>export SLURM_CONF=...</c>).</summary>
    public string Conf { get; }

    private static bool InCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Runs <c>local-cluster.sh start</c>. Where it cannot install Slurm (exit 3: not root, no apt-get) the test is
    /// skipped on a developer machine and fails in CI, where the cluster must run.
    /// </summary>
    /// <param name="environment">local-cluster.sh's settings (RETRAIN_SLURM_DIR, RETRAIN_SLURMCTLD_PORT, RETRAIN_SLURMD_PORT); none: its defaults.</param>
    public static LocalSlurmCluster Start(IReadOnlyDictionary<string, string>? environment = null)
    {
        environment ??= new Dictionary<string, string>();
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(InCi, "CI runs on Linux, where the Slurm cluster test must run.");
            Assert.Skip("Slurm's Debian packages: Linux only.");
        }

        var (code, output) = RunScript("start", environment, StartTimeout);
        if (code == 3 && !InCi)
        {
            Assert.Skip("No Slurm on this machine, and local-cluster.sh cannot install it here: " + output);
        }

        Assert.True(code == 0, $"deploy/slurm/local-cluster.sh start: exit {code}\n{output}");
        var conf = ConfLine().Match(output);
        Assert.True(conf.Success, $"local-cluster.sh start did not print 'export SLURM_CONF=...':\n{output}");
        return new LocalSlurmCluster(conf.Groups[1].Value.Trim(), environment);
    }

    /// <summary>Runs <c>local-cluster.sh <paramref name="command"/></c> with <paramref name="environment"/> and nothing inherited that it reads.</summary>
    public static (int Code, string Output) RunScript(string command, IReadOnlyDictionary<string, string> environment, TimeSpan timeout) =>
        Run("bash", [Script, command], SharedData.RepositoryRoot, environment, timeout);

    /// <summary>Runs <paramref name="command"/> against this cluster (SLURM_CONF set) with <paramref name="environment"/> added.</summary>
    public (int Code, string Output) Command(string command, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var all = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["SLURM_CONF"] = Conf };
        return Run(command, arguments, workingDirectory, all, TimeSpan.FromMinutes(1));
    }

    /// <summary>One line per job (one per task of an array) from <c>scontrol show job -o</c>; empty once Slurm forgot it.</summary>
    public IReadOnlyList<string> Jobs(string jobId)
    {
        var (code, output) = Command("scontrol", ["show", "job", "-o", jobId], SharedData.RepositoryRoot);
        return code == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("JobId=", StringComparison.Ordinal)).ToList() : [];
    }

    /// <summary>The value of <paramref name="field"/> (JobState, Reason, ExitCode, ...) in one of <see cref="Jobs"/>' lines.</summary>
    public static string Field(string job, string field)
    {
        var match = Regex.Match(job, $@"(?:^| ){field}=(\S*)");
        return match.Success ? match.Groups[1].Value : string.Empty;
    }

    public void Dispose()
    {
        var (code, output) = RunScript("stop", _environment, TimeSpan.FromMinutes(1));
        if (code != 0)
        {
            TestContext.Current.SendDiagnosticMessage($"local-cluster.sh stop: exit {code}\n{output}");
        }
    }

    private static (int Code, string Output) Run(string command, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = ChildRun.Start(command, arguments);
        start.WorkingDirectory = workingDirectory;
        foreach (var name in start.Environment.Keys.Where(k => Inherited.Any(p => k == p || (p.EndsWith('_') && k.StartsWith(p, StringComparison.Ordinal)))).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var (code, output, error) = ChildRun.Run(start, timeout);
        return (code, output + error);
    }

    [GeneratedRegex(@"^export SLURM_CONF=(.+)$", RegexOptions.Multiline)]
    private static partial Regex ConfLine();
}
