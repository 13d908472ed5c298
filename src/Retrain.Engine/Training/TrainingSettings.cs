using Retrain.Errors;

namespace Retrain.Training;

/// <summary>
/// The training flags of retrain.py, with its defaults. A batch size of -1 means the whole part, in order.
/// <see cref="Seed"/> makes a run repeatable (retrain.py had none): it seeds one <see cref="Random"/> that draws the
/// initial weights and then every batch. A seeded System.Random keeps its original algorithm across .NET versions
/// (the runtime preserves it for compatibility), so a seed names the same batches on every machine.
/// </summary>
internal sealed record TrainingSettings(
    int Steps = 4000,
    float LearningRate = 0.01f,
    int EvalStepInterval = 10,
    int TrainBatchSize = 100,
    int ValidationBatchSize = 100,
    int TestBatchSize = -1,
    int Seed = 0)
{
    /// <summary>
    /// <c>--l2_regularization</c>: the strength λ of an L2 penalty λ/2·‖W‖² on the new layer's weights; 0 (retrain.py's
    /// training, which has none) leaves every step bit for bit as before. Null (not given) is 0 for the step optimizers;
    /// <see cref="OptimizerKind.Lbfgs"/> then picks it by cross-validation (see <see cref="LbfgsTrainer.L2Grid"/>).
    /// </summary>
    public float? L2Regularization { get; init; }

    /// <summary>
    /// <c>--dropout</c>: the share of bottleneck values zeroed in each training batch (the rest scaled by 1/(1-rate));
    /// 0 (retrain.py's) trains on the bottlenecks as they are. Evaluation never drops.
    /// </summary>
    public float Dropout { get; init; }

    /// <summary><c>--class_weights</c>: how each class's rows weigh in the loss; none (retrain.py's) weighs them alike.</summary>
    public ClassWeighting ClassWeights { get; init; }

    /// <summary>
    /// <c>--label_smoothing</c>: the share ε of each training target spread over all classes ((1-ε)·onehot + ε/C);
    /// 0 (retrain.py's) leaves every step bit for bit as before.
    /// </summary>
    public float LabelSmoothing { get; init; }

    /// <summary>
    /// <c>--early_stopping_patience</c>: stop once the validation cross-entropy has not improved for this many
    /// evaluations, and keep the best evaluation's weights; 0 (the default, retrain.py's) trains every step.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>
    /// <c>--optimizer</c>: the update rule; <see cref="OptimizerKind.Sgd"/> (the default) is retrain.py's plain gradient
    /// descent, bit for bit.
    /// </summary>
    public OptimizerKind Optimizer { get; init; }

    /// <summary>retrain.py's training distortions; with any set, training batches are distorted photos, not cached vectors.</summary>
    public DistortionSettings Distortions { get; init; } = DistortionSettings.None;

    /// <summary>
    /// Where the final layer trains: retrain's SIMD kernels on the CPU (the default), or the ONNX step graph on a
    /// device that runs the final layer (<c>--device cuda</c>), in a session made with these settings.
    /// </summary>
    public Inference.InferenceSettings Inference { get; init; } = new();

    /// <summary>The largest batch: each is held in memory as rows of vectors and class scores (and its size must not overflow).</summary>
    internal const int MaxBatch = 100_000;

    /// <summary>
    /// Throws <see cref="RetrainException"/> (Usage) for settings no training can run with, naming the first broken
    /// rule's flag ("--learning_rate must be a positive number."). The commands check the same
    /// <see cref="Rules"/> before any work, in their own wording.
    /// </summary>
    internal void Validate()
    {
        foreach (var rule in Rules())
        {
            if (!rule.Holds)
            {
                throw new RetrainException(ExitCode.Usage, $"{rule.Flag} {rule.Rule}.");
            }
        }
    }

    /// <summary>
    /// The one rule of each training setting, in the order the commands have always checked them. A negative batch
    /// size is the whole part, as retrain.py's <c>get_random_cached_bottlenecks</c> reads any negative
    /// <c>how_many</c>; a whole training batch needs the cached vectors, since retrain.py's distorted batches of a
    /// negative size were empty. No steps at all is retrain.py's <c>range(0)</c>: the new layer is evaluated and
    /// written as initialised (as when a resumed run has nothing left to do).
    /// </summary>
    internal IEnumerable<SettingRule> Rules()
    {
        var batchRange = $"from 1 to {MaxBatch:N0}";
        static bool InRange(int batch) => batch is > 0 and <= MaxBatch;
        yield return new(Flags.HowManyTrainingSteps, Steps >= 0, "must not be negative");
        yield return new(Flags.LearningRate, LearningRate > 0 && float.IsFinite(LearningRate), "must be a positive number");
        yield return new(Flags.L2Regularization, L2Regularization is null or (>= 0 and < float.PositiveInfinity), "must be zero or a positive number");
        yield return new(Flags.Dropout, Dropout is >= 0 and < 1, "must be at least 0 and below 1");
        yield return new(Flags.ClassWeights, Enum.IsDefined(ClassWeights), "must be none or balanced");
        yield return new(
            Flags.Dropout,
            Dropout == 0 || Optimizer != OptimizerKind.Lbfgs,
            $"must be 0 with {Flags.Optimizer} lbfgs: a full-batch method needs a loss that does not change between evaluations");
        yield return new(Flags.LabelSmoothing, LabelSmoothing is >= 0 and < 1, "must be at least 0 and below 1");
        yield return new(Flags.EarlyStoppingPatience, EarlyStoppingPatience >= 0, "must be 0 (off) or a positive number of evaluations");
        yield return new(Flags.Optimizer, Enum.IsDefined(Optimizer), "must be sgd, momentum, adam or lbfgs");
        yield return new(Flags.EvalStepInterval, EvalStepInterval > 0, "must be at least 1");

        // Batches are drawn with replacement, so a size beyond the part is legal; past MaxBatch one would not fit.
        static bool WholeOrInRange(int batch) => batch < 0 || InRange(batch);
        yield return new(Flags.TrainBatchSize, WholeOrInRange(TrainBatchSize), $"must be -1 (whole set) or {batchRange}");
        yield return new(
            Flags.TrainBatchSize,
            TrainBatchSize > 0 || !Distortions.Any,
            "must be a number of photos with distortions: each step distorts that many (retrain.py's distorted batches of -1 were empty)");
        yield return new(Flags.ValidationBatchSize, WholeOrInRange(ValidationBatchSize), $"must be -1 (whole set) or {batchRange}");
        yield return new(Flags.TestBatchSize, WholeOrInRange(TestBatchSize), $"must be -1 (whole set) or {batchRange}");
    }
}
