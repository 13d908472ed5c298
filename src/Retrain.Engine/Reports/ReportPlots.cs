using System.Globalization;
using Retrain.Evaluation;
using ScottPlot;

namespace Retrain.Reports;

/// <summary>The report's plots as PNG files, drawn with ScottPlot (on SkiaSharp, like the rest of the engine's images).</summary>
internal static class ReportPlots
{
    // Two curves side by side fit a 1000-pixel-wide window.
    public const int Width = 460;
    public const int Height = 340;

    /// <summary>Train and validation accuracy at each evaluation step, in percent.</summary>
    public static byte[] Accuracy(IReadOnlyList<CurvePoint> curves) => Curves(
        curves,
        "Accuracy",
        "accuracy (%)",
        p => p.TrainAccuracy * 100,
        p => p.ValidationAccuracy * 100,
        limits: (-2, 102)); // a margin, so a line at 0% or 100% is not hidden under the frame

    /// <summary>Train and validation cross entropy at each evaluation step.</summary>
    public static byte[] CrossEntropy(IReadOnlyList<CurvePoint> curves) => Curves(
        curves,
        "Cross entropy",
        "cross entropy",
        p => p.TrainCrossEntropy,
        p => p.ValidationCrossEntropy,
        limits: null);

    /// <summary>The confusion matrix as a heat map, each cell labelled with its count; rows = true class.</summary>
    public static byte[] ConfusionMatrix(TestEvaluation evaluation)
    {
        var n = evaluation.Labels.Count;
        var data = new double[n, n];
        var max = 0;
        for (var t = 0; t < n; t++)
        {
            for (var p = 0; p < n; p++)
            {
                data[t, p] = evaluation.ConfusionMatrix[t][p];
                max = Math.Max(max, evaluation.ConfusionMatrix[t][p]);
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);

        // The heat map draws row 0 at the top, at y = n - 1.
        if (n <= 30)
        {
            for (var t = 0; t < n; t++)
            {
                for (var p = 0; p < n; p++)
                {
                    var count = evaluation.ConfusionMatrix[t][p];
                    var text = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), p, n - 1 - t);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontColor = count > max / 2 ? Colors.Black : Colors.White;
                }
            }
        }

        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, [.. evaluation.Labels]);
        plot.Axes.Left.SetTicks(positions.Reverse().ToArray(), [.. evaluation.Labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = n > 6 ? 45 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = n > 6 ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.Title("Confusion matrix");
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        var side = Math.Clamp(200 + (n * 40), 480, 1400);
        return plot.GetImageBytes(side + 120, side, ImageFormat.Png);
    }

    private static byte[] Curves(
        IReadOnlyList<CurvePoint> curves,
        string title,
        string yLabel,
        Func<CurvePoint, double> train,
        Func<CurvePoint, double?> validation,
        (double Low, double High)? limits)
    {
        var plot = new Plot();
        var steps = curves.Select(p => (double)p.Step).ToArray();
        var trainLine = plot.Add.Scatter(steps, curves.Select(train).ToArray());
        trainLine.LegendText = "train";
        trainLine.MarkerSize = curves.Count > 50 ? 0 : 4;

        var validated = curves.Where(p => validation(p) is not null).ToList();
        if (validated.Count > 0)
        {
            var validationLine = plot.Add.Scatter(
                validated.Select(p => (double)p.Step).ToArray(),
                validated.Select(p => validation(p)!.Value).ToArray());
            validationLine.LegendText = "validation";
            validationLine.MarkerSize = trainLine.MarkerSize;
        }

        plot.ShowLegend(Alignment.LowerRight);
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(yLabel);
        if (limits is { } l)
        {
            plot.Axes.SetLimitsY(l.Low, l.High);
        }

        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
