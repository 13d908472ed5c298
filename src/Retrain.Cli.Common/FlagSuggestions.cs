using System.CommandLine;

namespace Retrain.Cli.Common;

/// <summary>
/// The flag a mistyped one most likely meant: retrain.py's flags use underscores, so --image-dir means --image_dir,
/// and a letter or two off (--how_many_trainig_steps) is a typo of the closest name.
/// </summary>
public static class FlagSuggestions
{
    private const int MostEditsApart = 2;

    /// <summary>Each unmatched token that looks like a flag, with the command's flag it most likely meant.</summary>
    public static IEnumerable<(string Token, string Flag)> For(Command command, IEnumerable<string> unmatched)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(unmatched);
        var flags = CommandFlags.LongNames(command.Options).ToList();
        foreach (var token in unmatched.Where(CommandFlags.LooksLikeFlag))
        {
            // A flag's own name (after `--`, where it is an argument) is no typo to suggest a fix for.
            var written = CommandFlags.NameOf(token);
            if (flags.Contains(written, StringComparer.Ordinal))
            {
                continue;
            }

            var name = Normalized(written);
            var best = flags
                .Select(flag => (Flag: flag, Edits: Edits(name, Normalized(flag))))
                .Where(c => c.Edits <= MostEditsApart)
                .OrderBy(c => c.Edits)
                .ThenBy(c => c.Flag, StringComparer.Ordinal)
                .FirstOrDefault();
            if (best.Flag is not null)
            {
                yield return (token, best.Flag);
            }
        }
    }

    /// <summary>Without its dashes, lower case, with '-' read as '_'.</summary>
    private static string Normalized(string flag) => flag.TrimStart('-').Replace('-', '_').ToLowerInvariant();

    /// <summary>Levenshtein distance.</summary>
    private static int Edits(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
