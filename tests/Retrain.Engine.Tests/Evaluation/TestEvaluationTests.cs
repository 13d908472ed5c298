using System.Text.Json;
using Retrain.Evaluation;
using Retrain.Training;
using Xunit;
using TestResult = Retrain.Training.TestResult;

namespace Retrain.Tests.Evaluation;

public sealed class TestEvaluationTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    // Four test rows over three classes: a->a, a->b, b->b, c->a.
    private static TestResult Sample() => new(
        0.5,
        4,
        [],
        [
            0.7f, 0.2f, 0.1f, // truth a, predicted a
            0.1f, 0.6f, 0.3f, // truth a, predicted b, a ranked third
            0.2f, 0.7f, 0.1f, // truth b, predicted b
            0.5f, 0.1f, 0.4f, // truth c, predicted a, c ranked second
        ])
    { TrueClasses = [0, 0, 1, 2] };

    [Fact]
    public void Computes_confusion_per_class_scores_and_top_k()
    {
        var e = TestEvaluation.Of(Sample(), Labels)!;

        Assert.Equal([[1, 1, 0], [0, 1, 0], [1, 0, 0]], e.ConfusionMatrix);
        Assert.Equal(0.5, e.Top1Accuracy);
        Assert.Equal(3, e.TopK); // min(5, 3 classes)
        Assert.Equal(1.0, e.TopKAccuracy);

        var a = e.Classes[0];
        Assert.Equal(0.5, a.Precision);
        Assert.Equal(0.5, a.Recall);
        Assert.Equal(0.5, a.F1, 12);
        Assert.Equal(2, a.Support);
        var b = e.Classes[1];
        Assert.Equal(0.5, b.Precision);
        Assert.Equal(1.0, b.Recall);
        Assert.Equal(2 * 0.5 / 1.5, b.F1, 12);
        var c = e.Classes[2];
        Assert.True(double.IsNaN(c.Precision)); // never predicted
        Assert.Equal(0.0, c.Recall);
        Assert.True(double.IsNaN(c.F1));
        Assert.Equal(1, c.Support);
    }

    [Fact]
    public void Top_k_below_class_count_misses_low_ranked_truth()
    {
        var labels = new[] { "a", "b", "c", "d", "e", "f" };
        // Truth f is ranked last of six; top-5 misses it.
        var test = new TestResult(0, 1, [], [0.3f, 0.25f, 0.2f, 0.15f, 0.06f, 0.04f]) { TrueClasses = [5] };

        var e = TestEvaluation.Of(test, labels)!;

        Assert.Equal(5, e.TopK);
        Assert.Equal(0.0, e.TopKAccuracy);
    }

    [Fact]
    public void Empty_test_part_has_no_evaluation() =>
        Assert.Null(TestEvaluation.Of(new TestResult(double.NaN, 0, [], []), Labels));

    [Fact]
    public void Json_holds_the_same_numbers_with_nan_as_null()
    {
        var dir = Directory.CreateTempSubdirectory("retrain-eval-");
        try
        {
            var path = Path.Combine(dir.FullName, "evaluation.json");
            TestEvaluation.Of(Sample(), Labels)!.WriteJson(path);

            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            Assert.Equal(4, root.GetProperty("count").GetInt32());
            Assert.Equal(0.5, root.GetProperty("top1_accuracy").GetDouble());
            Assert.Equal(3, root.GetProperty("top_k").GetInt32());
            Assert.Equal(["a", "b", "c"], root.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
            var c = root.GetProperty("classes")[2];
            Assert.Equal(JsonValueKind.Null, c.GetProperty("precision").ValueKind);
            Assert.Equal(1, c.GetProperty("support").GetInt32());
            Assert.Equal(1, root.GetProperty("confusion_matrix")[2][0].GetInt32());
            Assert.Single(Directory.GetFiles(dir.FullName)); // no temporary file left behind
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
