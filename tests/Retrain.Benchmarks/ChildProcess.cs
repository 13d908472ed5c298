using System.Diagnostics;

namespace Retrain.Benchmarks;

/// <summary>Runs `dotnet some.dll args...` to completion and times it from process start to exit.</summary>
internal static class ChildProcess
{
    /// <summary>The dotnet host running this benchmark, so children use the same runtime.</summary>
    private static string DotnetHost =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";

    public static (double Seconds, string Stdout) Run(string dll, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {DotnetHost} {dll}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(dll)} exited with {process.ExitCode}: {stderr.Result}{stdout}");
        }

        return (seconds, stdout);
    }
}
