namespace Retrain.Training;

/// <summary>
/// Everything one <see cref="Trainer.Run"/> trains on: the three parts of the dataset, the labels (a class's index is
/// its output index), the settings, and what varies by caller: who watches the steps, where a resumed run starts and
/// where the training batches come from.
/// </summary>
/// <param name="Training">The part the layer trains on; it sets the vector length and the classes present.</param>
/// <param name="Validation">Scored at evaluation steps (may be empty: validation is skipped).</param>
/// <param name="Testing">Scored once at the end, retrain.py's <c>run_final_eval</c> (may be empty).</param>
/// <param name="Labels">The class names in output order; every part's class indices are below their count.</param>
/// <param name="Settings">retrain.py's training flags and retrain's additions.</param>
internal sealed record TrainingJob(
    LabeledVectors Training,
    LabeledVectors Validation,
    LabeledVectors Testing,
    IReadOnlyList<string> Labels,
    TrainingSettings Settings)
{
    /// <summary>Gets every step's report (summaries, intermediate graphs, checkpoints, curves); null: nobody watches.</summary>
    public ITrainingObserver? Observer { get; init; }

    /// <summary>
    /// Continues a run that stopped after <see cref="ResumePoint.StepsDone"/> steps: the random generator is replayed
    /// through the draws those steps made, so with the same seed, batch sizes and data the resumed run ends
    /// bit-identical to one that was never interrupted. Null: start at step 0.
    /// </summary>
    public ResumePoint? Resume { get; init; }

    /// <summary>
    /// Where each step's training batch comes from (distorted photos, say); null: <see cref="CachedBatches"/> over
    /// <see cref="Training"/>, retrain.py's <c>get_random_cached_bottlenecks</c>.
    /// </summary>
    public ITrainingBatches? Batches { get; init; }
}
