using Retrain.Errors;

namespace Retrain.Training;

/// <summary>
/// The training flags of retrain.py, with its defaults. A negative batch size means the whole part, in order.
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

    /// <summary>
    /// Throws <see cref="RetrainException"/> (Usage) for settings no training can run with, one rule per setting. The
    /// commands' own rules are stricter (<c>RetrainOptions</c>: at least one step, bounded batches); these hold for
    /// every caller of <see cref="Trainer.Run"/>.
    /// </summary>
    internal void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new RetrainException(ExitCode.Usage, message);
            }
        }

        const string BatchHint = "must be a positive number of images, or -1 for the whole set";
        Require(Steps >= 0, $"{Flags.HowManyTrainingSteps} must not be negative (got {Steps}).");
        Require(
            float.IsFinite(LearningRate) && LearningRate > 0,
            $"{Flags.LearningRate} must be a positive number (got {LearningRate}).");
        Require(
            L2Regularization is null or (>= 0 and < float.PositiveInfinity),
            $"{Flags.L2Regularization} must be zero or a positive number (got {L2Regularization}).");
        Require(
            LabelSmoothing is >= 0 and < 1,
            $"{Flags.LabelSmoothing} must be at least 0 and below 1 (got {LabelSmoothing}).");
        Require(Dropout is >= 0 and < 1, $"{Flags.Dropout} must be at least 0 and below 1 (got {Dropout}).");
        Require(
            EarlyStoppingPatience >= 0,
            $"{Flags.EarlyStoppingPatience} must be 0 (off) or a positive number of evaluations (got {EarlyStoppingPatience}).");
        Require(EvalStepInterval > 0, $"{Flags.EvalStepInterval} must be at least 1 (got {EvalStepInterval}).");
        Require(TrainBatchSize != 0, $"{Flags.TrainBatchSize} {BatchHint} (got 0).");
        Require(ValidationBatchSize != 0, $"{Flags.ValidationBatchSize} {BatchHint} (got 0).");
        Require(TestBatchSize != 0, $"{Flags.TestBatchSize} {BatchHint} (got 0).");
    }
}
