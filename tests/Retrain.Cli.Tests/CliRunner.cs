using System.CommandLine;
using Retrain.Cli.Common;

namespace Retrain.Cli.Tests;

/// <summary>Runs a command in-process with stdout and stderr captured, as a user's shell would see them.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(RootCommand command, CommandHost.Body body, params string[] args) =>
        Run(command, body, null, args);

    /// <param name="level">The command's verbosity flag, as its Program.cs passes it.</param>
    public static (int Code, string Out, string Err) Run(
        RootCommand command, CommandHost.Body body, Func<ParseResult, Serilog.Events.LogEventLevel>? level, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CommandHost.Run(command, args, body, level, stdout: stdout, stderr: stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the command as its Program.cs does, up to the parse: the body keeps what was parsed and succeeds.</summary>
    public static (int Code, string Err, ParseResult? Parsed) Parse(RootCommand command, params string[] args)
    {
        ParseResult? parsed = null;
        var (code, _, err) = Run(command, (p, _, _, _) =>
        {
            parsed = p;
            return Retrain.Errors.ExitCode.Success;
        }, args);
        return (code, err, parsed);
    }
}
