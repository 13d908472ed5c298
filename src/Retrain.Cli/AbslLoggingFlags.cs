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
    // absl's booleans take any of its forms (--logtostderr, =false, =0, --nologtostderr): as they are ignored, each is
    // a string that may be left out, not a switch held to retrain.py's store_true rule (FlagParsing).
    private static readonly Option<string?> LogToStderr = Absl("--logtostderr", ArgumentArity.ZeroOrOne);
    private static readonly Option<string?> NoLogToStderr = Absl("--nologtostderr", ArgumentArity.ZeroOrOne);
    private static readonly Option<string?> AlsoLogToStderr = Absl("--alsologtostderr", ArgumentArity.ZeroOrOne);
    private static readonly Option<string?> NoAlsoLogToStderr = Absl("--noalsologtostderr", ArgumentArity.ZeroOrOne);
    private static readonly Option<string?> Verbosity = Absl("--verbosity", ArgumentArity.ExactlyOne, "-v");
    private static readonly Option<string?> StderrThreshold = Absl("--stderrthreshold", ArgumentArity.ExactlyOne);
    private static readonly Option<string?> LogDir = Absl("--log_dir", ArgumentArity.ExactlyOne);

    public static IEnumerable<Option> All => [LogToStderr, NoLogToStderr, AlsoLogToStderr, NoAlsoLogToStderr, Verbosity, StderrThreshold, LogDir];

    private static Option<string?> Absl(string name, ArgumentArity arity, params string[] aliases) =>
        new(name, aliases) { Hidden = true, Arity = arity };

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
