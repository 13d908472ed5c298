using System.Text.Json;
using Retrain.IO;
using Retrain.Training;
using Serilog;

namespace Retrain.Evaluation;

/// <summary>
/// The evaluation users expect beyond retrain.py's single accuracy: per-class precision, recall, F1 and support, the
/// confusion matrix (rows = true class, columns = predicted class) and top-1 / top-k accuracy, all from the final test
/// batch's probabilities. Top-k uses k = min(5, classes), so with five classes or fewer it is 1 by construction.
/// </summary>
internal sealed record TestEvaluation(
    IReadOnlyList<string> Labels,
    int Count,
    double Top1Accuracy,
    int TopK,
    double TopKAccuracy,
    IReadOnlyList<ClassMetrics> Classes,
    int[][] ConfusionMatrix)
{
    public const int DefaultTopK = 5;

    /// <summary>Null when the test part was empty (nothing to evaluate).</summary>
    public static TestEvaluation? Of(TestResult test, IReadOnlyList<string> labels)
    {
        if (test.Count == 0 || test.TrueClasses.Length != test.Count)
        {
            return null;
        }

        var classCount = labels.Count;
        var topK = Math.Min(DefaultTopK, classCount);
        var confusion = new int[classCount][];
        for (var c = 0; c < classCount; c++)
        {
            confusion[c] = new int[classCount];
        }

        var top1 = 0;
        var inTopK = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var row = test.Probabilities.AsSpan(i * classCount, classCount);
            var truth = test.TrueClasses[i];
            var predicted = SoftmaxKernel.ArgMax(row);
            confusion[truth][predicted]++;
            top1 += predicted == truth ? 1 : 0;
            inTopK += RankOf(row, truth) < topK ? 1 : 0;
        }

        var classes = new ClassMetrics[classCount];
        for (var c = 0; c < classCount; c++)
        {
            var truePositives = confusion[c][c];
            var support = confusion[c].Sum();
            var predictedAs = 0;
            for (var t = 0; t < classCount; t++)
            {
                predictedAs += confusion[t][c];
            }

            var precision = predictedAs == 0 ? double.NaN : (double)truePositives / predictedAs;
            var recall = support == 0 ? double.NaN : (double)truePositives / support;
            var f1 = double.IsNaN(precision) || double.IsNaN(recall) ? double.NaN
                : precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes[c] = new ClassMetrics(labels[c], precision, recall, f1, support);
        }

        return new TestEvaluation(labels, test.Count, (double)top1 / test.Count, topK, (double)inTopK / test.Count, classes, confusion);
    }

    /// <summary>How many classes score strictly higher than <paramref name="index"/>: 0 = top-1. Ties count in its favour.</summary>
    private static int RankOf(ReadOnlySpan<float> row, int index)
    {
        var rank = 0;
        foreach (var p in row)
        {
            rank += p > row[index] ? 1 : 0;
        }

        return rank;
    }

    public void Log(ILogger log)
    {
        log.Information(
            "Top-1 accuracy = {Top1:" + RetrainPyFigures.PercentFormat + "}%, top-{K} accuracy = {TopKAccuracy:" + RetrainPyFigures.PercentFormat + "}% (N={Count})",
            RetrainPyFigures.Percent(Top1Accuracy),
            TopK,
            RetrainPyFigures.Percent(TopKAccuracy),
            Count);
        var width = Math.Max(5, Labels.Max(l => l.Length));
        log.Information("{Label} {Precision,9} {Recall,9} {F1,9} {Support,9}", "class".PadRight(width), "precision", "recall", "f1", "support");
        foreach (var c in Classes)
        {
            log.Information("{Label} {Precision,9:0.000} {Recall,9:0.000} {F1,9:0.000} {Support,9}", c.Label.PadRight(width), c.Precision, c.Recall, c.F1, c.Support);
        }

        log.Information("Confusion matrix (rows = true class, columns = predicted, in label order):");
        for (var t = 0; t < ConfusionMatrix.Length; t++)
        {
            log.Information("{Label} {Row}", Labels[t].PadRight(width), string.Join(' ', ConfusionMatrix[t].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(5))));
        }
    }

    /// <summary>Writes the evaluation as JSON, atomically: a reader never sees a torn file. NaN scores become null.</summary>
    public void WriteJson(string path)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("count", Count);
            json.WriteNumber("top1_accuracy", Top1Accuracy);
            json.WriteNumber("top_k", TopK);
            json.WriteNumber("top_k_accuracy", TopKAccuracy);
            json.WriteStartArray("labels");
            foreach (var label in Labels)
            {
                json.WriteStringValue(label);
            }

            json.WriteEndArray();
            json.WriteStartArray("classes");
            foreach (var c in Classes)
            {
                json.WriteStartObject();
                json.WriteString("label", c.Label);
                WriteScore(json, "precision", c.Precision);
                WriteScore(json, "recall", c.Recall);
                WriteScore(json, "f1", c.F1);
                json.WriteNumber("support", c.Support);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("confusion_matrix");
            foreach (var row in ConfusionMatrix)
            {
                json.WriteStartArray();
                foreach (var n in row)
                {
                    json.WriteNumberValue(n);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        AtomicFile.Write(path, buffer.ToArray());
    }

    private static void WriteScore(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsNaN(value))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteNumber(name, value);
        }
    }
}
