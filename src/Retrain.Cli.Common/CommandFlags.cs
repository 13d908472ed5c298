using System.CommandLine;

namespace Retrain.Cli.Common;

/// <summary>
/// How the passes over the arguments before the parse (<see cref="FlagAbbreviations"/>, <see cref="MissingValues"/>,
/// <see cref="FlagSuggestions"/>, <see cref="CommandHost"/>) read them: which long flags a command has, and which
/// part of an argument names a flag.
/// </summary>
internal static class CommandFlags
{
    /// <summary>Every long name of <paramref name="options"/>, aliases included (--top_k, --num_top_predictions).</summary>
    public static IEnumerable<string> LongNames(IEnumerable<Option> options) =>
        options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n.Length > 2);

    /// <summary>The flag an argument names: the part before '=' or ':', as System.CommandLine takes a value after either.</summary>
    public static string NameOf(string argument)
    {
        var end = argument.AsSpan().IndexOfAny(':', '=');
        return end < 0 ? argument : argument[..end];
    }

    /// <summary>Whether the argument carries its value after '=' or ':'.</summary>
    public static bool HasInlineValue(string argument) => argument.AsSpan().IndexOfAny(':', '=') >= 0;

    /// <summary>Whether <paramref name="token"/> is written as a flag: a dash and then not a digit, so -1 is a value.</summary>
    public static bool LooksLikeFlag(string token) => token.StartsWith('-') && token.Length > 1 && !char.IsAsciiDigit(token[1]);
}
