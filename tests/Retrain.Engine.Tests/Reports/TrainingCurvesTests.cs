using Retrain.Reports;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Reports;

public sealed class TrainingCurvesTests
{
    [Fact]
    public void KeepsTheEvaluationSteps_WithTheLoggedScores()
    {
        var layer = new FinalLayer(2, 2, new Random(0));
        var curves = new TrainingCurves();
        var before = new BatchScore(0.9, 0.1, 4);

        curves.OnStep(new StepReport(0, layer, before, new BatchScore(0.5, 0.75, 4), new BatchScore(0.6, 0.5, 2)));
        curves.OnStep(new StepReport(1, layer, before, null, null));
        curves.OnStep(new StepReport(2, layer, before, new BatchScore(0.25, 1.0, 4), null));

        Assert.Equal(
            [new CurvePoint(0, 0.75, 0.5, 0.5, 0.6), new CurvePoint(2, 1.0, 0.25, null, null)],
            curves.Points);
    }
}
