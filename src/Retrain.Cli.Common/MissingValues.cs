using System.CommandLine;

namespace Retrain.Cli.Common;

/// <summary>
/// A flag that takes a value followed straight by another flag (`--image_dir --how_many_training_steps 100`): argparse
/// says the first "expected one argument", while System.CommandLine takes the second flag as its value and then
/// reports the stray 100, which hides the mistake. Such a flag is refused naming it; a file whose name starts with `--`
/// is written ./--name.
/// </summary>
public static class MissingValues
{
    /// <summary>One message per flag in <paramref name="args"/> whose value is missing.</summary>
    /// <param name="args">The arguments with shortened flags written out (<see cref="FlagAbbreviations"/>).</param>
    /// <param name="typed">The arguments as typed, position for position, quoted in the message.</param>
    public static IReadOnlyList<string> Find(Command command, IReadOnlyList<string> args, IReadOnlyList<string> typed)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(typed);
        var takingValues = CommandFlags.LongNames(command.Options.Where(o => o.Arity.MinimumNumberOfValues >= 1)).ToHashSet(StringComparer.Ordinal);
        var errors = new List<string>();
        for (var i = 0; i + 1 < args.Count && args[i] != "--"; i++)
        {
            var next = typed[i + 1];
            if (takingValues.Contains(args[i]) && next.Length > 2 && next.StartsWith("--", StringComparison.Ordinal))
            {
                errors.Add(
                    $"argument {args[i]}: expected a value, but '{next}' after it is a flag. Give {typed[i]} its value " +
                    $"(a file whose name starts with '--' is written ./{next}).");
            }
        }

        return errors;
    }
}
