using System.Globalization;
using System.Net;
using System.Text;
using Retrain.Errors;
using Retrain.Evaluation;

namespace Retrain.Reports;

/// <summary>
/// The report's <c>index.html</c>: one self-contained page with inline styles and no script, whose only references are
/// the PNG and JPEG files beside it, by relative name, so the folder can be copied, mailed or opened offline. Every
/// label, path and reason is HTML-escaped.
/// </summary>
internal static class ReportPage
{
    /// <summary>Marks a folder as a report retrain wrote, which a later run may replace.</summary>
    public const string Generator = $"retrain {Flags.ReportDir}";

    /// <summary>The page's sections, by id, in page order.</summary>
    public static readonly IReadOnlyList<string> Sections = ["summary", "curves", "evaluation", "confusion", "dataset", "misclassified"];

    private const string Style = """
        body { font-family: sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; padding: 0 1em; }
        h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
        table { border-collapse: collapse; margin: .5em 0; }
        th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
        th:first-child, td.label { text-align: left; }
        thead th { background: #f2f2f2; }
        .plots { display: flex; flex-wrap: wrap; gap: .6em; }
        .plots img { max-width: 100%; border: 1px solid #eee; }
        table.heatmap td { min-width: 3em; text-align: center; } table.heatmap td.label { text-align: left; }
        .grid { display: flex; flex-wrap: wrap; gap: .8em; }
        figure { margin: 0; width: 170px; font-size: .8em; }
        figure img { display: block; max-width: 160px; max-height: 160px; border: 1px solid #ccc; }
        figcaption { word-break: break-all; }
        .wrong { color: #b00020; } .note { color: #666; }
        """;

    public static string Render(RunReport report, IReadOnlyList<string?> thumbnails, int thumbnailsShown)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"generator\" content=\"").Append(Generator).Append("\">\n")
            .Append("<title>retrain report: ").Append(E(report.Model)).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append("\n</style>\n</head>\n<body>\n");
        Summary(html, report);
        Curves(html, report);
        Evaluation(html, report.Evaluation);
        Confusion(html, report.Evaluation);
        Dataset(html, report.Dataset);
        Misclassified(html, report, thumbnails, thumbnailsShown);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, RunReport report)
    {
        html.Append("<section id=\"summary\">\n<h1>retrain report</h1>\n<table>\n");
        Row(html, "backbone", E(report.Model));
        Row(html, "image folder", E(report.Dataset.ImageDir));
        Row(html, "classes", N(report.Dataset.Labels.Count));
        Row(html, "training steps", N(report.Steps));
        if (report.Evaluation is { } evaluation)
        {
            Row(html, "test accuracy (top-1)", $"{P(evaluation.Top1Accuracy)} (N={N(evaluation.Count)})");
        }

        html.Append("</table>\n</section>\n");
    }

    private static void Curves(StringBuilder html, RunReport report)
    {
        html.Append("<section id=\"curves\">\n<h2>Training curves</h2>\n");
        if (report.Curves.Count == 0)
        {
            html.Append("<p class=\"note\">No evaluation step ran in this run.</p>\n");
        }
        else
        {
            html.Append("<p class=\"note\">Train and validation batches at each evaluation step (" + Flags.EvalStepInterval + "), as logged.</p>\n")
                .Append("<div class=\"plots\">\n")
                .Append("<img src=\"").Append(ReportWriter.AccuracyPlot).Append("\" alt=\"accuracy over the training steps\" width=\"")
                .Append(N(ReportPlots.Width)).Append("\">\n")
                .Append("<img src=\"").Append(ReportWriter.CrossEntropyPlot).Append("\" alt=\"cross entropy over the training steps\" width=\"")
                .Append(N(ReportPlots.Width)).Append("\">\n")
                .Append("</div>\n");
        }

        html.Append("</section>\n");
    }

    private static void Evaluation(StringBuilder html, TestEvaluation? evaluation)
    {
        html.Append("<section id=\"evaluation\">\n<h2>Test evaluation</h2>\n");
        if (evaluation is null)
        {
            html.Append("<p class=\"note\">The test part is empty: nothing was evaluated.</p>\n</section>\n");
            return;
        }

        html.Append("<p>Top-1 accuracy <b>").Append(P(evaluation.Top1Accuracy)).Append("</b>, top-").Append(N(evaluation.TopK))
            .Append(" accuracy <b>").Append(P(evaluation.TopKAccuracy)).Append("</b> on ").Append(N(evaluation.Count)).Append(" test images.</p>\n")
            .Append("<table id=\"per-class\">\n<thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>\n<tbody>\n");
        foreach (var c in evaluation.Classes)
        {
            html.Append("<tr><td class=\"label\">").Append(E(c.Label)).Append("</td><td>").Append(S(c.Precision)).Append("</td><td>")
                .Append(S(c.Recall)).Append("</td><td>").Append(S(c.F1)).Append("</td><td>").Append(N(c.Support)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n<p class=\"note\">A class never predicted has no precision, one without test images no recall (shown as –).</p>\n</section>\n");
    }

    private static void Confusion(StringBuilder html, TestEvaluation? evaluation)
    {
        html.Append("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n");
        if (evaluation is null)
        {
            html.Append("<p class=\"note\">No test images.</p>\n</section>\n");
            return;
        }

        html.Append("<p class=\"note\">Rows: true class; columns: predicted class. Shaded by the share of the row.</p>\n")
            .Append("<table class=\"heatmap\">\n<thead><tr><th>true \\ predicted</th>");
        foreach (var label in evaluation.Labels)
        {
            html.Append("<th>").Append(E(label)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        for (var t = 0; t < evaluation.Labels.Count; t++)
        {
            var row = evaluation.ConfusionMatrix[t];
            var support = row.Sum();
            html.Append("<tr><td class=\"label\">").Append(E(evaluation.Labels[t])).Append("</td>");
            for (var p = 0; p < row.Length; p++)
            {
                var share = support == 0 ? 0 : (double)row[p] / support;
                var lightness = 97 - (60 * share);
                html.Append("<td style=\"background:hsl(210,65%,").Append(lightness.ToString("0", CultureInfo.InvariantCulture)).Append("%)")
                    .Append(share > 0.5 ? ";color:#fff" : string.Empty).Append(p == t ? ";font-weight:bold" : string.Empty).Append("\">")
                    .Append(N(row[p])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n<div class=\"plots\"><img src=\"").Append(ReportWriter.ConfusionPlot)
            .Append("\" alt=\"confusion matrix heat map\"></div>\n</section>\n");
    }

    private static void Dataset(StringBuilder html, DatasetSummary dataset)
    {
        html.Append("<section id=\"dataset\">\n<h2>Dataset</h2>\n<p>Usable images per class and part in ").Append(E(dataset.ImageDir)).Append(".</p>\n")
            .Append("<table id=\"parts\">\n<thead><tr><th>class</th><th>training</th><th>validation</th><th>testing</th><th>total</th></tr></thead>\n<tbody>\n");
        foreach (var c in dataset.Classes)
        {
            html.Append("<tr><td class=\"label\">").Append(E(c.Label)).Append("</td><td>").Append(N(c.Training)).Append("</td><td>")
                .Append(N(c.Validation)).Append("</td><td>").Append(N(c.Testing)).Append("</td><td>").Append(N(c.Total)).Append("</td></tr>\n");
        }

        html.Append("<tr><th>all</th><th>").Append(N(dataset.Classes.Sum(c => c.Training))).Append("</th><th>")
            .Append(N(dataset.Classes.Sum(c => c.Validation))).Append("</th><th>").Append(N(dataset.Classes.Sum(c => c.Testing)))
            .Append("</th><th>").Append(N(dataset.Classes.Sum(c => c.Total))).Append("</th></tr>\n</tbody>\n</table>\n")
            .Append("<h3>Skipped files</h3>\n");
        if (dataset.Skipped.Count == 0)
        {
            html.Append("<p id=\"skipped\">None: every listed image was read and decoded.</p>\n</section>\n");
            return;
        }

        html.Append("<table id=\"skipped\">\n<thead><tr><th>file</th><th>reason</th></tr></thead>\n<tbody>\n");
        foreach (var skipped in dataset.Skipped)
        {
            html.Append("<tr><td class=\"label\">").Append(E(Shown(dataset.ImageDir, skipped.Path))).Append("</td><td class=\"label\">")
                .Append(E(skipped.Reason)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void Misclassified(StringBuilder html, RunReport report, IReadOnlyList<string?> thumbnails, int shown)
    {
        html.Append("<section id=\"misclassified\">\n<h2>Misclassified test photos</h2>\n");
        if (report.Evaluation is null)
        {
            html.Append("<p class=\"note\">No test images.</p>\n</section>\n");
            return;
        }

        if (report.Misclassified.Count == 0)
        {
            html.Append("<p>None: every test photo was classified correctly.</p>\n</section>\n");
            return;
        }

        html.Append("<p>").Append(N(report.Misclassified.Count)).Append(" of ").Append(N(report.Evaluation.Count))
            .Append(" test photos, the most confident mistakes first.");
        if (shown < report.Misclassified.Count)
        {
            html.Append(" The first ").Append(N(shown)).Append(" are shown.");
        }

        html.Append("</p>\n<div class=\"grid\">\n");
        for (var i = 0; i < shown; i++)
        {
            var m = report.Misclassified[i];
            var shownPath = E(Shown(report.Dataset.ImageDir, m.Path));
            html.Append("<figure>");
            html.Append(thumbnails[i] is { } thumbnail
                ? $"<img src=\"{E(thumbnail)}\" alt=\"{shownPath}\">"
                : "<p class=\"note\">(the photo could not be read now)</p>");
            html.Append("<figcaption><span class=\"wrong\">predicted ").Append(E(m.PredictedLabel)).Append(' ').Append(P(m.PredictedScore))
                .Append("</span><br>true ").Append(E(m.TrueLabel)).Append(' ').Append(P(m.TrueScore)).Append("<br>").Append(shownPath)
                .Append("</figcaption></figure>\n");
        }

        html.Append("</div>\n</section>\n");
    }

    private static void Row(StringBuilder html, string name, string valueHtml) =>
        html.Append("<tr><th>").Append(name).Append("</th><td class=\"label\">").Append(valueHtml).Append("</td></tr>\n");

    /// <summary>A path under the image folder relative to it, which is shorter and says the class; any other as given.</summary>
    private static string Shown(string imageDir, string path)
    {
        var relative = Path.GetRelativePath(imageDir, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string P(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string S(double score) => double.IsNaN(score) ? "–" : score.ToString("0.000", CultureInfo.InvariantCulture);
}
