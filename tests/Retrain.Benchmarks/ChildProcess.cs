using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Retrain.Benchmarks;

/// <summary>
/// Runs `dotnet some.dll args...` to completion, timed from process start to exit, and samples the child's peak
/// resident set (VmHWM, which only grows) from /proc while it runs.
/// </summary>
internal static class ChildProcess
{
    /// <summary>The dotnet host running this benchmark, so children use the same runtime.</summary>
    private static string DotnetHost =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";

    public static (double Seconds, string Stdout, double PeakRssMb) Run(string dll, IEnumerable<string> args)
    {
        var (seconds, stdout, _, peak) = RunCapturingLog(dll, args);
        return (seconds, stdout, peak);
    }

    /// <summary>
    /// As <see cref="Run"/>, also returning stderr, where retrain and label-image write their log.
    /// <paramref name="onLine"/>, when given, sees every line of either stream as it arrives, with the seconds since
    /// the process started.
    /// </summary>
    public static (double Seconds, string Stdout, string Stderr, double PeakRssMb) RunCapturingLog(
        string dll, IEnumerable<string> args, Action<string, double>? onLine = null)
    {
        var start = StartInfo(dll, args);
        start.RedirectStandardError = true;
        var clock = Stopwatch.StartNew();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        void Collect(StringBuilder into, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (into)
            {
                into.AppendLine(line);
            }

            onLine?.Invoke(line, clock.Elapsed.TotalSeconds);
        }

        process.OutputDataReceived += (_, e) => Collect(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(stderr, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"cannot start {DotnetHost} {dll}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peakKb = 0L;
        while (!process.WaitForExit(20))
        {
            peakKb = Math.Max(peakKb, HighWaterMarkKb(process.Id));
        }

        process.WaitForExit(); // drains the redirected streams
        var seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(dll)} exited with {process.ExitCode}: {stderr}{stdout}");
        }

        return (seconds, stdout.ToString(), stderr.ToString(), peakKb / 1024.0);
    }

    /// <summary>
    /// Starts `dotnet some.dll args...` with stdin and stdout redirected, for a child that answers commands line by
    /// line; its stderr goes to ours. The caller owns the process.
    /// </summary>
    public static Process StartServer(string dll, IEnumerable<string> args)
    {
        var start = StartInfo(dll, args);
        start.RedirectStandardInput = true;
        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start {DotnetHost} {dll}");
    }

    /// <summary>`dotnet dll args...` with stdout redirected.</summary>
    private static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(DotnetHost) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    private static long HighWaterMarkKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // exited between the check and the read
        }
    }
}
