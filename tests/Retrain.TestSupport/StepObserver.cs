using Retrain.Training;

namespace Retrain.Tests.TestSupport;

/// <summary>An <see cref="ITrainingObserver"/> that hands every step's report to a test's delegate.</summary>
internal sealed class StepObserver(Action<StepReport> onStep) : ITrainingObserver
{
    public void OnStep(in StepReport report) => onStep(report);
}
