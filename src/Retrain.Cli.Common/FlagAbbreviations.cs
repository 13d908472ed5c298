using System.CommandLine;

namespace Retrain.Cli.Common;

/// <summary>
/// argparse's prefix matching (allow_abbrev), which retrain.py's users' wrappers rely on and System.CommandLine lacks:
/// a long flag may be shortened to any prefix that begins no other flag of the command (`--how_many 10` is
/// `--how_many_training_steps 10`), also with an inline value (`--how_many=10`). A whole name always wins over prefixes
/// (`--shard` is not `--shard_count`), and a prefix that begins several flags is refused naming them, as argparse does,
/// rather than one of them being picked.
/// </summary>
public static class FlagAbbreviations
{
    /// <summary>
    /// <paramref name="args"/> with each unique prefix of one of <paramref name="command"/>'s long flags written out in
    /// full, and an error for each prefix that begins several. Arguments after `--`, single-dash ones (negative numbers)
    /// and whole flag names are left as they are; so is a `--token` that begins no flag, for the parser to report.
    /// </summary>
    public static (string[] Args, IReadOnlyList<string> Errors) Expand(Command command, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(args);
        var flags = command.Options
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal) && n.Length > 2)
            .ToHashSet(StringComparer.Ordinal);
        var expanded = args.ToArray();
        var errors = new List<string>();
        for (var i = 0; i < expanded.Length && expanded[i] != "--"; i++)
        {
            var arg = expanded[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            // System.CommandLine takes a value after ':' as well as '=' (--flag:value), so both are split off here.
            var end = arg.AsSpan().IndexOfAny(':', '=');
            var name = end < 0 ? arg : arg[..end];
            if (name.Length <= 2 || flags.Contains(name))
            {
                continue;
            }

            var candidates = flags.Where(f => f.StartsWith(name, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (candidates.Count == 1)
            {
                expanded[i] = candidates[0] + arg[name.Length..];
            }
            else if (candidates.Count > 1)
            {
                errors.Add($"ambiguous option: {name} could match {string.Join(", ", candidates)}");
            }
        }

        return (expanded, errors);
    }
}
