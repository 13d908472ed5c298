namespace Retrain.Training;

/// <summary>
/// What one training step did, handed to an <see cref="ITrainingObserver"/> after the step's update. A struct over a
/// layer the trainer reuses, so reporting allocates nothing; copy <see cref="Layer"/>'s arrays to keep them.
/// </summary>
/// <param name="Step">0-based step number, as retrain.py numbers them.</param>
/// <param name="Layer">The layer after this step's update (the same object every step).</param>
/// <param name="Train">
/// The training batch as the step saw it, before the update: what retrain.py's train summary records, since it runs
/// the merged summaries in the same session call as <c>train_step</c>.
/// </param>
/// <param name="Evaluation">At evaluation steps, the same batch after the update (the logged train accuracy).</param>
/// <param name="Validation">At evaluation steps, a validation batch after the update; null without a validation set.</param>
/// <param name="Optimizer">
/// Copies the optimizer's state after this step, for a checkpoint (called only when one is saved); null where the state
/// cannot be saved (the device's step graph).
/// </param>
/// <param name="EarlyStopping">
/// Copies --early_stopping_patience's watch as of this step (called only when a checkpoint is saved); null when it is
/// off.
/// </param>
internal readonly record struct StepReport(
    int Step,
    FinalLayer Layer,
    BatchScore Train,
    BatchScore? Evaluation,
    BatchScore? Validation,
    Func<OptimizerSnapshot>? Optimizer = null,
    Func<EarlyStoppingSnapshot?>? EarlyStopping = null)
{
    /// <summary>True at retrain.py's evaluation steps: every --eval_step_interval steps and the last step.</summary>
    public bool IsEvaluationStep => Evaluation is not null;
}
