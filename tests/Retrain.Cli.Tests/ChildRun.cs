using System.Diagnostics;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Runs a tool (bash, gcc, chromium, a published command) as a child process to its end, with both streams read, and
/// fails the test rather than hang: past its limit the process and its children are killed.
/// </summary>
internal static class ChildRun
{
    /// <summary>A start for <paramref name="file"/> with <paramref name="arguments"/> and both streams redirected.</summary>
    public static ProcessStartInfo Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs <paramref name="start"/> to its end; its exit code and what it wrote to each stream.</summary>
    public static (int Code, string Out, string Err) Run(ProcessStartInfo start, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {limit}");
        }

        process.WaitForExit(); // drains the redirected streams
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <paramref name="file"/> and fails unless it exits 0 (with both streams in the message); its stdout.</summary>
    public static string Checked(string file, IEnumerable<string> arguments, TimeSpan limit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = Start(file, arguments, environment);
        var (code, output, error) = Run(start, limit);
        Assert.True(code == 0, $"{file} {string.Join(' ', start.ArgumentList)} failed ({code}):\n{output}\n{error}");
        return output;
    }
}
