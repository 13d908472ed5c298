using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using LabelImage.Cli;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Holds docs/usage.md to the commands' `--help`: each command's section names every option the command has (with its
/// aliases, which --help shows too), and no flag the command lacks, so a flag added, renamed or removed in the code
/// fails here until the docs follow. Also checks that the relative links of README.md, CONTRIBUTING.md and docs/ lead
/// somewhere.
/// </summary>
public sealed partial class DocsTests
{
    private static readonly string Usage = Path.Combine(SharedData.RepositoryRoot, "docs", "usage.md");

    [Fact]
    public void Usage_RetrainSection_NamesExactlyTheOptionsOfRetrainHelp() =>
        AssertSectionMatches("retrain", RetrainCommand.Create());

    [Fact]
    public void Usage_LabelImageSection_NamesExactlyTheOptionsOfLabelImageHelp() =>
        AssertSectionMatches("label-image", LabelImageCommand.Create());

    [Fact]
    public void Docs_RelativeLinks_LeadToExistingFilesAndHeadings()
    {
        var root = SharedData.RepositoryRoot;
        var pages = new[] { Path.Combine(root, "README.md"), Path.Combine(root, "CONTRIBUTING.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"));
        var broken = new List<string>();
        foreach (var page in pages)
        {
            foreach (Match link in MarkdownLink().Matches(WithoutCodeBlocks(File.ReadAllText(page))))
            {
                var target = link.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = hash < 0 ? target : target[..hash];
                var path = file.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, file));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetRelativePath(root, page)}: {target} (no such file)");
                }
                else if (hash >= 0 && File.Exists(path) && !Anchors(File.ReadAllText(path)).Contains(target[(hash + 1)..]))
                {
                    broken.Add($"{Path.GetRelativePath(root, page)}: {target} (no such heading)");
                }
            }
        }

        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));
    }

    private static void AssertSectionMatches(string command, RootCommand root)
    {
        var options = root.Options
            .Where(o => o is not HelpOption and not VersionOption)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal) && n is not ("--help" or "--version")) // short aliases come with their long names
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(options);

        var documented = BacktickedFlags(Section(File.ReadAllText(Usage), command));
        var missing = options.Except(documented).Order(StringComparer.Ordinal).ToList();
        var stale = documented.Except(options).Order(StringComparer.Ordinal).ToList();
        Assert.True(
            missing.Count == 0 && stale.Count == 0,
            $"docs/usage.md, section '## {command}', disagrees with '{command} --help'.\n" +
            $"Options not documented there (add them as `--flag`): {string.Join(", ", missing)}\n" +
            $"Documented flags the command does not have: {string.Join(", ", stale)}");
    }

    /// <summary>The text of the `## name` section (up to the next `## ` heading), without fenced code blocks.</summary>
    private static string Section(string markdown, string name)
    {
        var text = WithoutCodeBlocks(markdown);
        var heading = Regex.Match(text, $"^## {Regex.Escape(name)}[ \t]*$", RegexOptions.Multiline);
        Assert.True(heading.Success, $"docs/usage.md has no section '## {name}'");
        var next = Regex.Match(text[(heading.Index + heading.Length)..], "^## ", RegexOptions.Multiline);
        return next.Success ? text.Substring(heading.Index, heading.Length + next.Index) : text[heading.Index..];
    }

    /// <summary>Flags written as a code span of their own, `--flag` or `--flag value`; commands in spans are not flags.</summary>
    private static HashSet<string> BacktickedFlags(string section) =>
        CodeSpanFlag().Matches(section).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static string WithoutCodeBlocks(string markdown) => CodeBlock().Replace(markdown, string.Empty);

    /// <summary>GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        Heading().Matches(WithoutCodeBlocks(markdown))
            .Select(m => AnchorDrop().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"`(--[a-z0-9_]+)(?:[ =][^`]*)?`")]
    private static partial Regex CodeSpanFlag();

    [GeneratedRegex(@"^```.*?^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex AnchorDrop();
}
