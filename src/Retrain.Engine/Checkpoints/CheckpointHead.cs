using System.Globalization;
using Retrain.Errors;
using Retrain.Protos.Checkpoints;
using Retrain.Training;

namespace Retrain.Checkpoints;

/// <summary>
/// The head a checkpoint was trained with (issue 19): its flags, compared with a resuming run's, and its optimizer's
/// state. A layer trained by one head and continued by another ends where neither would, so a difference is refused,
/// naming the flag, rather than warned about as the batch flags are.
/// </summary>
internal static class CheckpointHead
{
    public static string OptimizerName(OptimizerKind kind) => kind.ToString().ToLowerInvariant();

    public static string ClassWeightsName(ClassWeighting weighting) => weighting.ToString().ToLowerInvariant();

    /// <summary>
    /// Refuses a checkpoint whose head differs from <paramref name="settings"/>'; returns its optimizer state, with the
    /// L2 strength lbfgs picked when this run leaves it to be picked.
    /// </summary>
    public static OptimizerSnapshot Check(TrainingCheckpoint checkpoint, TrainingSettings settings, string path)
    {
        Require(checkpoint.Optimizer, OptimizerName(settings.Optimizer), Flags.Optimizer, path);
        var picked = checkpoint.L2Picked && settings.L2Regularization is null ? checkpoint.L2Regularization : (float?)null;
        if (picked is null)
        {
            // A strength lbfgs picked is the one an explicit --l2_regularization must repeat; none given is 0 otherwise.
            Require(Text(checkpoint.L2Regularization), Text(settings.L2Regularization ?? 0), Flags.L2Regularization, path);
        }

        Require(Text(checkpoint.LabelSmoothing), Text(settings.LabelSmoothing), Flags.LabelSmoothing, path);
        Require(Text(checkpoint.Dropout), Text(settings.Dropout), Flags.Dropout, path);
        Require(checkpoint.ClassWeights, ClassWeightsName(settings.ClassWeights), Flags.ClassWeights, path);
        var state = checkpoint.OptimizerState ?? new OptimizerState();
        return new OptimizerSnapshot(state.Step, [.. state.Slots.Select(slot => slot.Values.ToArray())], [.. state.Values])
        {
            PickedL2Regularization = picked,
        };
    }

    private static string Text(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Require(string saved, string now, string flag, string path)
    {
        if (saved != now)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' ({Flags.CheckpointPath}) was trained with {flag} {saved}; this run has {flag} {now}, and " +
                $"continuing a layer with another head ends where neither would. Pass {flag} {saved} to continue it, or delete it to start over.");
        }
    }
}
