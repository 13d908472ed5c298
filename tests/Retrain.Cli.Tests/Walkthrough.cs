using System.Text.RegularExpressions;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Reads a walkthrough under samples/ so that tests can hold the commands and expected output it shows to what the
/// tools really do: a walkthrough whose figures drift from the code fails a test instead of misleading a newcomer.
/// </summary>
internal sealed partial class Walkthrough
{
    private readonly string _text;
    private readonly string _source;

    private Walkthrough(string text, string source)
    {
        this._text = text;
        this._source = source;
    }

    /// <summary>Loads samples/&lt;name&gt;/README.md from the repository being tested.</summary>
    public static Walkthrough Load(string name)
    {
        var path = Path.Combine(SharedData.RepositoryRoot, "samples", name, "README.md");
        return new Walkthrough(File.ReadAllText(path), path);
    }

    /// <summary>The prose and code blocks of the `## ` section whose heading starts with <paramref name="heading"/>.</summary>
    public string Section(string heading)
    {
        var start = _text.IndexOf("\n## " + heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{_source} has no section '## {heading}'");
        var end = _text.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? _text[start..] : _text[start..end];
    }

    /// <summary>The fenced code blocks of a section, in order, each as its lines.</summary>
    public IReadOnlyList<string[]> Blocks(string heading) =>
        CodeBlock().Matches(Section(heading))
            .Select(m => m.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    /// <summary>
    /// Asserts that <paramref name="log"/> holds every line of <see cref="ReproducibleLogLines"/> of a section's block.
    /// </summary>
    public void AssertLogShows(string heading, int block, string log)
    {
        foreach (var line in ReproducibleLogLines(heading, block))
        {
            Assert.True(log.Contains(line, StringComparison.Ordinal), $"{_source}, section '{heading}', shows '{line}'; the run logged:\n{log}");
        }
    }

    /// <summary>
    /// The log lines a section's expected output shows that do not depend on time or machine speed (step figures,
    /// the split, the final accuracy, and the bottleneck counts without their timing), without their level prefix,
    /// e.g. "Final test accuracy = 85.1% (N=74)" or "Bottlenecks ready: 750 computed, 0 reused from cache, 0 skipped".
    /// </summary>
    public IReadOnlyList<string> ReproducibleLogLines(string heading, int block)
    {
        var lines = Blocks(heading)[block]
            .Where(l => l.StartsWith("INF Step ", StringComparison.Ordinal)
                || l.StartsWith("INF Final test accuracy", StringComparison.Ordinal)
                || l.StartsWith("INF Usable images", StringComparison.Ordinal)
                || l.StartsWith("INF Bottlenecks ready: ", StringComparison.Ordinal))
            .Select(l => l["INF ".Length..])
            .Select(l => l.StartsWith("Bottlenecks ready: ", StringComparison.Ordinal) ? l[..l.IndexOf(" skipped, in ", StringComparison.Ordinal)] + " skipped" : l)
            .ToList();
        Assert.True(lines.Count > 0, $"{_source}, section '{heading}', block {block} shows no reproducible log line");
        return lines;
    }

    /// <summary>The arguments a section's command block passes to <paramref name="script"/> (e.g. "scripts/train.sh").</summary>
    public string[] Arguments(string heading, int block, string script)
    {
        var words = Words(heading, block);
        Assert.True(words.Length > 0 && words[0] == script, $"{_source}, section '{heading}': block {block} is not a {script} command");
        Assert.DoesNotContain(words, w => w.Contains('"', StringComparison.Ordinal) || w.Contains('\'', StringComparison.Ordinal));
        return words[1..];
    }

    /// <summary>The value of <paramref name="flag"/> in a section's command block.</summary>
    public string FlagValue(string heading, int block, string flag)
    {
        var words = Words(heading, block);
        var at = Array.IndexOf(words, flag);
        Assert.True(at >= 0 && at + 1 < words.Length, $"{_source}, section '{heading}': no {flag} in block {block}");
        return words[at + 1];
    }

    private string[] Words(string heading, int block) =>
        string.Join(' ', Blocks(heading)[block]).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex("```\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
