using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// The real `retrain` command in a child process (`dotnet retrain.dll`, the build next to this test assembly, which
/// references the CLI project), with every stderr log line kept and time-stamped as it arrives, so a test can kill
/// it (SIGKILL, no chance to clean up) at a chosen moment, as a power cut or the OOM killer would.
/// </summary>
internal sealed class RetrainProcess : IDisposable
{
    /// <summary>
    /// Safety net only: no assertion depends on how long a run takes. Long enough for the Inception-v3 walkthrough
    /// (750 bottlenecks, about 80 s on 2 idle cores) on a machine slowed several times by other load.
    /// </summary>
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(8);

    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(TimeSpan At, string Line)> _lines = [];

    private RetrainProcess(Process process) => this._process = process;

    public static string RetrainDll { get; } = Path.Combine(AppContext.BaseDirectory, "retrain.dll");

    public IReadOnlyList<(TimeSpan At, string Line)> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    public string Log => string.Join('\n', Lines.Select(l => l.Line));

    public bool HasExited => _process.HasExited;

    /// <summary>True once the run has gone on for longer than any test run should: the caller fails instead of hanging.</summary>
    public bool Hung => _clock.Elapsed > Hang;

    public static string LabelImageDll { get; } = Path.Combine(AppContext.BaseDirectory, "label-image.dll");

    /// <summary>Starts `retrain`; relative paths in <paramref name="arguments"/> resolve against <paramref name="workingDirectory"/>.</summary>
    public static RetrainProcess Start(IEnumerable<string> arguments, string? workingDirectory = null) =>
        Start(RetrainDll, arguments, workingDirectory, asUserWithoutOverride: false);

    /// <summary>
    /// Starts <paramref name="dll"/> (<see cref="RetrainDll"/> or <see cref="LabelImageDll"/>). With
    /// <paramref name="asUserWithoutOverride"/>, a test running as root (CI does) starts it without the capabilities
    /// that let root read and write any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped by util-linux's setpriv),
    /// so file permissions apply to it as they do to a user. <paramref name="environment"/> is added to this process's
    /// environment (TMPDIR, say).
    /// </summary>
    public static RetrainProcess Start(
        string dll,
        IEnumerable<string> arguments,
        string? workingDirectory,
        bool asUserWithoutOverride,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.True(File.Exists(dll), $"{Path.GetFileName(dll)} not found next to the tests in {AppContext.BaseDirectory}");
        var dropOverride = asUserWithoutOverride && Environment.IsPrivilegedProcess;
        var start = new ProcessStartInfo(dropOverride ? Setpriv() : DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        if (dropOverride)
        {
            start.ArgumentList.Add("--bounding-set=-dac_override,-dac_read_search");
            start.ArgumentList.Add(DotnetHost());
        }

        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Launch(start);
    }

    /// <summary>
    /// Runs <paramref name="script"/> with `sh` in a mount namespace of its own (util-linux unshare; a user namespace
    /// too when not root), so it may mount a small tmpfs that vanishes with it. The script gets the dotnet host, then
    /// <see cref="RetrainDll"/>, then <paramref name="scriptArguments"/> as $1, $2, $3...
    /// </summary>
    public static RetrainProcess StartInMountNamespace(string script, IEnumerable<string> scriptArguments)
    {
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (!Environment.IsPrivilegedProcess)
        {
            start.ArgumentList.Add("--map-root-user");
        }

        foreach (var argument in (string[])["--mount", "sh", "-c", script, "sh", DotnetHost(), RetrainDll, .. scriptArguments])
        {
            start.ArgumentList.Add(argument);
        }

        return Launch(start);
    }

    private static RetrainProcess Launch(ProcessStartInfo start)
    {
        var process = new Process { StartInfo = start };
        var child = new RetrainProcess(process);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data);
        process.OutputDataReceived += (_, e) => child.Add(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return child;
    }

    /// <summary>Waits until a log line contains <paramref name="text"/>; false when the process ended first.</summary>
    public bool WaitForLine(string text)
    {
        while (!Lines.Any(l => l.Line.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited || Hung)
            {
                return false;
            }

            Thread.Sleep(2);
        }

        return true;
    }

    /// <summary>When the first line containing <paramref name="text"/> arrived, if it did.</summary>
    public TimeSpan? TimeOf(string text) =>
        Lines.Where(l => l.Line.Contains(text, StringComparison.Ordinal)).Select(l => (TimeSpan?)l.At).FirstOrDefault();

    /// <summary>SIGKILL (on Unix): the process gets no chance to flush, clean up or run finally blocks.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It had already exited: the kill came after the end of the run, which is a valid moment too.
        }

        WaitForExit();
    }

    public int WaitForExit()
    {
        Assert.True(_process.WaitForExit(Hang), $"retrain did not finish within {Hang}:\n{Log}");
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add((_clock.Elapsed, line));
            }
        }
    }

    private static string Setpriv()
    {
        var path = new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists);
        Assert.True(path is not null, "Running as root, and setpriv (util-linux) is not installed: it is needed to run a child without root's file-permission override.");
        return path!;
    }

    /// <summary>The `dotnet` running these tests: DOTNET_HOST_PATH when the SDK set it, else the runtime's root folder.</summary>
    internal static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        // The runtime directory is <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
