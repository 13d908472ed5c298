using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Retrain.Cli.Common;

/// <summary>
/// Reads flag values as retrain.py's argparse does, where System.CommandLine would not: numbers in the invariant
/// culture with a decimal point only (its default parser takes "0,01" for 1, a thousands separator), errors that say
/// what a value should look like rather than a .NET type name, and a flag given twice taking its last value (wrappers
/// that run `retrain --defaults... "$@"` rely on it). A switch (bool option) is on when given, as argparse's
/// store_true: System.CommandLine would read `--flip_left_right False` as off, which retrain.py (parse_known_args,
/// ignoring the 'False') read as on, so an explicit false is refused rather than read either way; an explicit true is
/// on, as in both.
/// </summary>
public static class FlagParsing
{
    /// <summary>
    /// Gives every single-valued option and every switch of <paramref name="command"/> these rules; returns the command.
    /// </summary>
    public static TCommand Apply<TCommand>(TCommand command)
        where TCommand : Command
    {
        ArgumentNullException.ThrowIfNull(command);
        var script = (command as PythonScriptCommand)?.Script ?? "a Python script";
        // Hidden options are flags of other tools taken only to be ignored (absl's): they keep their own forms.
        foreach (var option in command.Options.Where(o => !o.Hidden))
        {
            switch (option)
            {
                case Option<bool> o:
                    Switch(o, script);
                    break;
                case Option<int> o:
                    LastWins(o, (text, flag, result) => WholeNumber(text, flag, result) ?? 0);
                    break;
                case Option<int?> o:
                    LastWins(o, WholeNumber);
                    break;
                case Option<float> o:
                    LastWins(o, (text, flag, result) => (float?)Number(text, flag, result, float.MaxValue) ?? 0);
                    break;
                case Option<float?> o:
                    LastWins(o, (text, flag, result) => (float?)Number(text, flag, result, float.MaxValue));
                    break;
                case Option<double> o:
                    LastWins(o, (text, flag, result) => Number(text, flag, result, double.MaxValue) ?? 0);
                    break;
                case Option<string> o:
                    LastWins(o, (text, _, _) => text);
                    break;
            }
        }

        return command;
    }

    private static void LastWins<T>(Option<T> option, Func<string, string, ArgumentResult, T> parse)
    {
        option.Arity = ArgumentArity.OneOrMore;
        option.CustomParser = result => result.Tokens.Count == 0
            ? default
            : parse(result.Tokens[^1].Value, option.Name, result);
    }

    /// <summary>
    /// A switch takes no value: `--flag false` (or False, =false, :false) is an error, `--flag true` is on. It may be
    /// given more than once, as argparse allows, with or without `true`. System.CommandLine takes only a word that reads
    /// as true or false as the switch's value, so other words after it stay unmatched and are reported as such.
    /// </summary>
    private static void Switch(Option<bool> option, string script)
    {
        option.Arity = ArgumentArity.ZeroOrMore;
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (bool.TryParse(token.Value, out var on) && !on)
                {
                    result.AddError(
                        $"Invalid value for {option.Name}: it is a switch and takes no value. Leave {option.Name} out to keep it off, " +
                        $"or give it alone to turn it on. '{option.Name} {token.Value}' is refused rather than read as off, since " +
                        $"{script} would have turned it on (argparse ignores a value after a switch).");
                    return;
                }
            }
        });
        option.CustomParser = result => result.Tokens.All(t => bool.TryParse(t.Value, out var on) && on);
    }

    private static int? WholeNumber(string text, string flag, ArgumentResult result)
    {
        if (int.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        var digits = text.Trim().TrimStart('-', '+');
        result.AddError(
            digits.Length > 0 && digits.All(char.IsAsciiDigit)
                ? $"Invalid value for {flag}: '{text}' is out of range; it takes a whole number from {int.MinValue} to {int.MaxValue}."
                : $"Invalid value for {flag}: '{text}' is not a whole number (e.g. 4000).");
        return null;
    }

    private static double? Number(string text, string flag, ArgumentResult result, double largest)
    {
        // NumberStyles.Float: sign, decimal point and exponent, but no thousands separator, so "0,01" is refused.
        var parsed = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value);
        if (parsed && Math.Abs(value) <= largest)
        {
            return value;
        }

        result.AddError(
            parsed && !double.IsNaN(value)
                ? $"Invalid value for {flag}: '{text}' is out of range; it takes a number of magnitude up to {largest.ToString("G3", CultureInfo.InvariantCulture)}."
            : text.Contains(',', StringComparison.Ordinal)
                ? $"Invalid value for {flag}: '{text}' is not a number; write decimals with a point, e.g. {text.Replace(',', '.')}."
                : $"Invalid value for {flag}: '{text}' is not a number (e.g. 0.01).");
        return null;
    }
}
