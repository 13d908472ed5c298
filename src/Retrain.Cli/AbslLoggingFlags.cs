using System.CommandLine;
using Retrain.Errors;
using Serilog;

namespace Retrain.Cli;

/// <summary>
/// absl's logging flags, which retrain.py's <c>tf.app.run</c> took (`--logtostderr`, `--alsologtostderr`,
/// `--verbosity`, `--stderrthreshold`, `--log_dir`): wrappers pass them, and refusing them as unknown would stop those
/// wrappers. They are accepted, hidden from --help, and ignored with a warning: retrain always logs to stderr, and
/// --logging_verbosity sets how much.
/// </summary>
internal static class AbslLoggingFlags
{
    private static readonly Option<bool> LogToStderr = new("--logtostderr") { Hidden = true };
    private static readonly Option<bool> AlsoLogToStderr = new("--alsologtostderr") { Hidden = true };
    private static readonly Option<string?> Verbosity = new("--verbosity") { Hidden = true };
    private static readonly Option<string?> StderrThreshold = new("--stderrthreshold") { Hidden = true };
    private static readonly Option<string?> LogDir = new("--log_dir") { Hidden = true };

    public static IEnumerable<Option> All => [LogToStderr, AlsoLogToStderr, Verbosity, StderrThreshold, LogDir];

    /// <summary>Warns once, naming the absl flags given.</summary>
    public static void WarnIfGiven(ParseResult parsed, ILogger log)
    {
        var given = All.Where(o => parsed.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
        {
            log.Warning(
                "Ignoring {Flags:l}: absl's logging flags, which retrain.py's tf.app.run took. retrain logs to stderr; " + Flags.LoggingVerbosity + " sets how much",
                string.Join(", ", given));
        }
    }
}
