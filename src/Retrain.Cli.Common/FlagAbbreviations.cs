using System.CommandLine;

namespace Retrain.Cli.Common;

/// <summary>
/// argparse's prefix matching (allow_abbrev), which retrain.py's users' wrappers rely on and System.CommandLine lacks:
/// a long flag may be shortened to any prefix that begins no other flag of the command (`--how_many 10` is
/// `--how_many_training_steps 10`), also with an inline value (`--how_many=10`). A whole name always wins over prefixes
/// (`--shard` is not `--shard_count`), and a prefix that begins several flags is refused naming them, as argparse does,
/// rather than one of them being picked. The one exception keeps the script's wrappers working: a prefix that begins
/// several flags of a <see cref="PythonScriptCommand"/> but only one of the script's own means that one, as the
/// script's argparse, which knew no others, read it (retrain's `--eval 5` is `--eval_step_interval 5`, though
/// `--evaluation_json` begins with --eval too).
/// </summary>
public static class FlagAbbreviations
{
    /// <summary>
    /// <paramref name="args"/> with each unique prefix of one of <paramref name="command"/>'s long flags written out in
    /// full, and an error for each prefix that begins several. Arguments after `--`, single-dash ones (negative numbers)
    /// and whole flag names are left as they are; so is a `--token` that begins no flag, for the parser to report. A
    /// prefix that begins several flags, only one of them the Python script's, is that one.
    /// </summary>
    /// <param name="notes">Gets one line for each such prefix, naming the other flags it begins: the choice is the
    /// script's, but a user of this tool's own flags should not have it made silently.</param>
    public static (string[] Args, IReadOnlyList<string> Errors) Expand(Command command, IReadOnlyList<string> args, ICollection<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(args);
        var flags = CommandFlags.LongNames(command.Options).ToHashSet(StringComparer.Ordinal);
        var scriptFlags = (command as PythonScriptCommand)?.ScriptFlags;
        var expanded = args.ToArray();
        var errors = new List<string>();
        for (var i = 0; i < expanded.Length && expanded[i] != "--"; i++)
        {
            var arg = expanded[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            var name = CommandFlags.NameOf(arg);
            if (name.Length <= 2 || flags.Contains(name))
            {
                continue;
            }

            var candidates = flags.Where(f => f.StartsWith(name, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var meant = candidates.Count > 1 && scriptFlags is not null ? candidates.Where(scriptFlags.Contains).ToList() : candidates;
            if (meant.Count == 1)
            {
                expanded[i] = meant[0] + arg[name.Length..];
                if (candidates.Count > 1)
                {
                    notes?.Add(
                        $"{name} is read as {meant[0]}, as {((PythonScriptCommand)command).Script} read it; " +
                        $"{string.Join(", ", candidates.Where(c => c != meant[0]))} also begin{(candidates.Count == 2 ? "s" : string.Empty)} with {name}.");
                }
            }
            else if (candidates.Count > 1)
            {
                errors.Add($"ambiguous option: {name} could match {string.Join(", ", candidates)}");
            }
        }

        return (expanded, errors);
    }
}
