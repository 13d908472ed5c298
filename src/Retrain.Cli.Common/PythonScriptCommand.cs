using System.CommandLine;

namespace Retrain.Cli.Common;

/// <summary>
/// A command that succeeds a Python script, with the script's name and the flags it had (the rest are this tool's
/// own), so that arguments written for the script are read as its argparse read them: a prefix that was unique among
/// the script's flags still means that flag (<see cref="FlagAbbreviations"/>), and an error about a switch given a
/// value says what the script did with it (<see cref="FlagParsing"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1010", Justification = "Enumerable as System.CommandLine's RootCommand is, for collection initializers of options.")]
public sealed class PythonScriptCommand : RootCommand
{
    /// <param name="description">The command's description for --help.</param>
    /// <param name="script">The script's file name, as messages name it (retrain.py).</param>
    /// <param name="scriptFlags">The script's flags, written as the command's options or aliases are (--image_dir).</param>
    public PythonScriptCommand(string description, string script, IReadOnlySet<string> scriptFlags)
        : base(description)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        ArgumentNullException.ThrowIfNull(scriptFlags);
        Script = script;
        ScriptFlags = scriptFlags;
    }

    /// <summary>The script's file name, e.g. retrain.py.</summary>
    public string Script { get; }

    /// <summary>The script's flags, e.g. --image_dir; a subset of the command's option names and aliases.</summary>
    public IReadOnlySet<string> ScriptFlags { get; }
}
