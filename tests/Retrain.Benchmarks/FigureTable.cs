using System.Text;

namespace Retrain.Benchmarks;

/// <summary>
/// The figures a pass printed, as one Markdown table (one row per figure, one column per model) for
/// docs/performance.md: <c>scripts/bench.sh --markdown FILE</c> regenerates it. A figure is the first
/// <c>key=value</c> of a printed line, named by the words before it (e.g. <c>mlnet featurize_img_per_s</c>), and any
/// of the <see cref="Headline"/> figures the line carries after it (the ratios the targets are stated in).
/// </summary>
internal sealed class FigureTable
{
    private readonly List<string> _models = [];
    private readonly List<string> _rows = [];
    private readonly Dictionary<(string Row, string Model), string> _cells = [];

    /// <summary>Figures that share a line with another one but are what the targets are stated in.</summary>
    private static readonly string[] Headline = ["pipeline_ratio", "cpu_ratio"];

    public void Record(string model, string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var first = Array.FindIndex(words, w => w.Contains('=', StringComparison.Ordinal));
        if (first < 0 || words[first].StartsWith("load_avg=", StringComparison.Ordinal))
        {
            return;
        }

        var equals = words[first].IndexOf('=', StringComparison.Ordinal);
        Add(model, string.Join(' ', words.Take(first).Append(words[first][..equals])), words[first][(equals + 1)..]);
        foreach (var word in words.Skip(first + 1))
        {
            var at = word.IndexOf('=', StringComparison.Ordinal);
            if (at > 0 && Headline.Contains(word[..at]))
            {
                Add(model, word[..at], word[(at + 1)..]);
            }
        }
    }

    private void Add(string model, string row, string value)
    {
        if (!_models.Contains(model))
        {
            _models.Add(model);
        }

        if (!_rows.Contains(row))
        {
            _rows.Add(row);
        }

        _cells[(row, model)] = value;
    }

    /// <summary>The table, preceded by one line saying where and when it was measured.</summary>
    public string ToMarkdown(string measuredOn)
    {
        var text = new StringBuilder();
        text.Append(measuredOn).Append("\n\n");
        text.Append("| figure | ").AppendJoin(" | ", _models).Append(" |\n");
        text.Append("|---|").AppendJoin(string.Empty, _models.Select(_ => "---|")).Append('\n');
        foreach (var row in _rows)
        {
            text.Append("| `").Append(row).Append("` | ")
                .AppendJoin(" | ", _models.Select(m => _cells.TryGetValue((row, m), out var v) ? v : ""))
                .Append(" |\n");
        }

        return text.ToString();
    }
}
