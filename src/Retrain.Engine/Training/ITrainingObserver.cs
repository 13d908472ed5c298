namespace Retrain.Training;

/// <summary>Gets a report after every training step: the hook for summaries, intermediate graphs and checkpoints.</summary>
internal interface ITrainingObserver
{
    void OnStep(in StepReport report);
}
