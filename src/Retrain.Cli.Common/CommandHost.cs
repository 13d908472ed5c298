using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Retrain.Errors;
using Retrain.Progress;
using Serilog;
using Serilog.Events;

namespace Retrain.Cli.Common;

/// <summary>
/// What both commands share around their one engine call: parse errors become usage errors (exit 2) naming the flag,
/// logs go to stderr through Serilog, Ctrl+C / SIGTERM cancel the engine cleanly (exit 130), a
/// <see cref="RetrainException"/> prints its message and exits with its code, and anything else is a bug whose stack
/// trace is printed (exit 1).
/// </summary>
public static class CommandHost
{
    /// <summary>
    /// No response files: System.CommandLine reads '@name' as a file of more arguments, which argparse (and so
    /// retrain.py) does not, so a photo or folder named '@2x.jpg' or '@eaDir' could not be given.
    /// </summary>
    public static ParserConfiguration Parsing { get; } = new() { ResponseFileTokenReplacer = null };

    public delegate ExitCode Body(ParseResult parsed, ILogger log, TextWriter stdout, CancellationToken ct);

    /// <summary>A body that also gets the progress sink: a bar when stderr is a terminal, otherwise null (log lines).</summary>
    public delegate ExitCode ProgressBody(ParseResult parsed, ILogger log, IProgressSink? progress, TextWriter stdout, CancellationToken ct);

    /// <param name="cancelled">What Ctrl+C or SIGTERM leaves behind, logged on cancellation (retrain: the cache).</param>
    public static int Run(
        RootCommand command,
        string[] args,
        Body body,
        Func<ParseResult, LogEventLevel>? level = null,
        TextWriter? stdout = null,
        TextWriter? stderr = null,
        string cancelled = "Cancelled.")
    {
        ArgumentNullException.ThrowIfNull(body);
        return Run(command, args, (p, log, _, o, ct) => body(p, log, o, ct), level, stdout, stderr, cancelled);
    }

    /// <inheritdoc cref="Run(RootCommand, string[], Body, Func{ParseResult, LogEventLevel}?, TextWriter?, TextWriter?, string)"/>
    public static int Run(
        RootCommand command,
        string[] args,
        ProgressBody body,
        Func<ParseResult, LogEventLevel>? level = null,
        TextWriter? stdout = null,
        TextWriter? stderr = null,
        string cancelled = "Cancelled.")
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var readAsScript = new List<string>();
        var (expanded, ambiguous) = FlagAbbreviations.Expand(command, args, readAsScript);
        var refused = ambiguous.Count > 0 ? ambiguous : MissingValues.Find(command, expanded, args);
        if (refused.Count > 0)
        {
            // As argparse: an ambiguous flag, or one without its value, ends the parse, since which flag each later
            // value belongs to is unknown.
            foreach (var error in refused)
            {
                stderr.WriteLine($"{command.Name}: error: {error}");
            }

            stderr.WriteLine($"Run '{command.Name} --help' for the list of flags.");
            return (int)ExitCode.Usage;
        }

        foreach (var note in readAsScript)
        {
            stderr.WriteLine($"{command.Name}: note: {note}");
        }

        if (NotUtf8(expanded) is { } garbled)
        {
            stderr.WriteLine(
                $"{command.Name}: error: Invalid value for {garbled.Flag}: '{garbled.Value}' is not valid UTF-8 (shown with \uFFFD for the bytes " +
                "that are not), so no file can be opened or written by that name. Rename it, e.g. with convmv -f latin1 -t utf8, or pick another.");
            return (int)ExitCode.Usage;
        }

        var parsed = command.Parse(expanded, Parsing);
        if (parsed.Errors.Count > 0)
        {
            var reported = WithoutValuesOfUnknownFlags(command, expanded, parsed);
            foreach (var error in reported.Errors)
            {
                stderr.WriteLine($"{command.Name}: error: {error.Message}");
            }

            foreach (var (token, flag) in FlagSuggestions.For(command, reported.UnmatchedTokens))
            {
                stderr.WriteLine($"{command.Name}: '{token}' is not a flag; did you mean {flag}?");
            }

            stderr.WriteLine($"Run '{command.Name} --help' for the list of flags.");
            return (int)ExitCode.Usage;
        }

        if (parsed.Action is not null)
        {
            // The commands set no action of their own, so an action here is --help or --version.
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        }

        const string template = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
        var minimum = level?.Invoke(parsed) ?? LogEventLevel.Information;
        var configuration = new LoggerConfiguration().MinimumLevel.Is(minimum);

        // The error that ends a run is printed whatever the verbosity: --logging_verbosity FATAL hides warnings and
        // errors the run survives, not the reason it failed.
        var ending = minimum > LogEventLevel.Error ? LogEventLevel.Fatal : LogEventLevel.Error;
        var bar = ShowsBar(ReferenceEquals(stderr, Console.Error), Console.IsErrorRedirected) ? new TerminalProgressBar(stderr) : null;
        using var logger = (ReferenceEquals(stderr, Console.Error)
                ? (bar is null
                    ? configuration.WriteTo.Console(outputTemplate: template, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture)
                    : configuration.WriteTo.Sink(Serilog.Configuration.LoggerSinkConfiguration.Wrap(
                        console => new ProgressBarSink(console, bar),
                        c => c.Console(outputTemplate: template, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture))))
                : configuration.WriteTo.Sink(new TextWriterSink(stderr, template)))
            .CreateLogger();
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            return (int)body(parsed, logger, bar, stdout, cancel.Token);
        }
        catch (RetrainException e)
        {
            logger.Write(ending, "{Message}", e.Message);
            return (int)e.Code;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            logger.Warning("{Cancelled}", cancelled);
            return (int)ExitCode.Cancelled;
        }
        catch (Exception e)
        {
            logger.Fatal(e, "{Command} failed unexpectedly; this is a bug, please report it with the stack trace below.", command.Name);
            return (int)ExitCode.InternalError;
        }
        finally
        {
            bar?.Finish();
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// The parse to report when <paramref name="parsed"/> failed: System.CommandLine leaves the value after a flag it
    /// does not know unmatched as well (`--bogus 5`), which would be a second error for one mistake, so the arguments are
    /// parsed again without such values. Only a value after a flag that was itself unmatched is left out: in
    /// `--output_graph --bogus 5`, --output_graph took --bogus as its value, so 5 is still reported.
    /// </summary>
    private static ParseResult WithoutValuesOfUnknownFlags(Command command, string[] args, ParseResult parsed)
    {
        // UnmatchedTokens are the unmatched arguments in order; this finds where each stands in args.
        var unmatched = new bool[args.Length];
        var at = 0;
        foreach (var token in parsed.UnmatchedTokens)
        {
            while (at < args.Length && args[at] != token)
            {
                at++;
            }

            if (at == args.Length)
            {
                break;
            }

            unmatched[at++] = true;
        }

        var values = Enumerable.Range(1, Math.Max(args.Length - 1, 0))
            .Where(i => unmatched[i - 1] && unmatched[i]
                && CommandFlags.LooksLikeFlag(args[i - 1]) && !CommandFlags.HasInlineValue(args[i - 1])
                && !CommandFlags.LooksLikeFlag(args[i]))
            .ToHashSet();
        if (values.Count == 0)
        {
            return parsed;
        }

        var again = command.Parse(args.Where((_, i) => !values.Contains(i)).ToArray(), Parsing);
        return again.Errors.Count > 0 ? again : parsed;
    }

    /// <summary>
    /// The bar only when the log goes to the process's own stderr and that is a terminal: pipes, files and CI logs
    /// (and tests' writers) keep the periodic progress lines, unchanged.
    /// </summary>
    internal static bool ShowsBar(bool stderrIsConsole, bool errorRedirected) => stderrIsConsole && !errorRedirected;

    /// <summary>
    /// The first argument .NET could not read as UTF-8 (it turns such bytes into U+FFFD, so a Latin-1 path would name
    /// another file), with the flag it belongs to; null when every argument is fine or names a path that exists as read.
    /// </summary>
    private static (string Flag, string Value)? NotUtf8(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.Contains('\uFFFD', StringComparison.Ordinal))
            {
                continue;
            }

            var (flag, value) = arg.StartsWith("--", StringComparison.Ordinal) && CommandFlags.HasInlineValue(arg)
                ? (CommandFlags.NameOf(arg), arg[(CommandFlags.NameOf(arg).Length + 1)..])
                : (i > 0 && args[i - 1].StartsWith('-') ? args[i - 1] : "an argument", arg);
            if (!Path.Exists(value))
            {
                return (flag, value);
            }
        }

        return null;
    }
}
