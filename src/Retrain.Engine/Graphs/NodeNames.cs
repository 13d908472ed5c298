namespace Retrain.Graphs;

/// <summary>
/// TensorFlow's tensor-name syntax ("node", "node:1", "^control_dependency") and name suggestions for typos.
/// </summary>
internal static class NodeNames
{
    /// <summary>Splits "node:k" into the node name and output index (0 when absent).</summary>
    public static (string Node, int Output) Parse(string tensorName)
    {
        ArgumentNullException.ThrowIfNull(tensorName);
        var name = tensorName.StartsWith('^') ? tensorName[1..] : tensorName;
        var colon = name.LastIndexOf(':');
        if (colon > 0 && int.TryParse(name.AsSpan(colon + 1), out var index) && index >= 0)
        {
            return (name[..colon], index);
        }

        return (name, 0);
    }

    /// <summary>True for "^node" inputs, which order execution but carry no data.</summary>
    public static bool IsControlInput(string input) => input.StartsWith('^');

    /// <summary>
    /// The names in <paramref name="candidates"/> most likely meant by <paramref name="wanted"/>: names containing it
    /// (or contained in it) first, then by edit distance, case-insensitively.
    /// </summary>
    public static IReadOnlyList<string> Closest(string wanted, IEnumerable<string> candidates, int count = 5)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(candidates);
        var lower = wanted.ToLowerInvariant();
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Select(name =>
            {
                var candidate = name.ToLowerInvariant();
                var contains = lower.Length > 0 && (candidate.Contains(lower) || lower.Contains(candidate));
                var distance = EditDistance(lower, candidate);

                // A substring match is a strong hint, but only for reasonably specific strings.
                var score = contains && lower.Length >= 3 ? distance - 1000 : distance;
                return (name, score);
            })
            .OrderBy(static x => x.score)
            .ThenBy(static x => x.name.Length)
            .ThenBy(static x => x.name, StringComparer.Ordinal)
            .Take(count)
            .Select(static x => x.name)
            .ToList();
    }

    /// <summary>Levenshtein distance, with an adjacent transposition costing 1 ("inptu" is one step from "input").</summary>
    public static int EditDistance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var best = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    best = Math.Min(best, d[i - 2, j - 2] + 1);
                }

                d[i, j] = best;
            }
        }

        return d[a.Length, b.Length];
    }
}
