using Retrain.Training;

namespace Retrain.Reports;

/// <summary>
/// Collects the training curves for the report from the trainer's per-step report: one point per evaluation step, the
/// same numbers the log prints, so the plots and the log never disagree. A resumed run has the points of its own steps.
/// </summary>
internal sealed class TrainingCurves : ITrainingObserver
{
    private readonly List<CurvePoint> _points = [];

    public IReadOnlyList<CurvePoint> Points => _points;

    public void OnStep(in StepReport report)
    {
        if (report.Evaluation is not { } train)
        {
            return;
        }

        _points.Add(new CurvePoint(
            report.Step,
            train.Accuracy,
            train.CrossEntropy,
            report.Validation?.Accuracy,
            report.Validation?.CrossEntropy));
    }
}
