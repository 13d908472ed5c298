using System.Globalization;
using Retrain.Errors;
using Serilog;

namespace Retrain.Training;

/// <summary>
/// <c>--early_stopping_patience</c>: watches the validation cross-entropy at each evaluation, keeps a copy of the
/// weights of the best one, and says when it has not improved for the patience's number of evaluations. At the end
/// the best weights go back into the layer, so they are the ones tested and written.
/// </summary>
internal sealed class EarlyStopping
{
    private readonly TrainableLayer _trainable;
    private readonly FinalLayer _best;
    private readonly int _patience;
    private readonly ILogger _log;
    private double _bestCrossEntropy = double.PositiveInfinity;
    private int _bestStep = -1;
    private int _sinceBest;

    private EarlyStopping(TrainableLayer trainable, FinalLayer shape, int patience, ILogger log)
    {
        _trainable = trainable;
        _best = new FinalLayer(shape.BottleneckSize, shape.ClassCount, new float[shape.Weights.Length], new float[shape.Biases.Length]);
        _patience = patience;
        _log = log;
    }

    /// <summary>None when the patience is 0 (off) or there is no validation part to watch (with a warning).</summary>
    public static EarlyStopping? Create(ITrainableLayer trainable, TrainingSettings settings, bool noValidation, FinalLayer shape, ILogger log)
    {
        if (settings.EarlyStoppingPatience == 0)
        {
            return null;
        }

        if (trainable is not TrainableLayer cpu)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.EarlyStoppingPatience} is not supported where the final layer trains on the device ({Flags.Device} cuda). " +
                $"Drop {Flags.EarlyStoppingPatience} or train on the CPU.");
        }

        if (noValidation)
        {
            log.Warning("Validation set is empty; {Flag} has nothing to watch and training runs every step.", Flags.EarlyStoppingPatience);
            return null;
        }

        return new EarlyStopping(cpu, shape, settings.EarlyStoppingPatience, log);
    }

    /// <summary>
    /// The scores of the best evaluation so far (the training batch's after the update, and the validation batch's);
    /// null before the first. The run reports these, as they describe the weights it keeps.
    /// </summary>
    public (BatchScore Train, BatchScore Validation)? Best { get; private set; }

    /// <summary>Records the evaluation at <paramref name="step"/>; true when training should stop after it.</summary>
    public bool ShouldStop(int step, BatchScore train, BatchScore validation)
    {
        var validationCrossEntropy = validation.CrossEntropy;
        if (validationCrossEntropy < _bestCrossEntropy)
        {
            _bestCrossEntropy = validationCrossEntropy;
            _bestStep = step;
            Best = (train, validation);
            _sinceBest = 0;
            _trainable.CopyTo(_best);
            return false;
        }

        _sinceBest++;
        if (_sinceBest < _patience)
        {
            return false;
        }

        _log.Information(
            "Early stopping at step {Step}: validation cross entropy has not improved for {Patience} evaluations; keeping the weights of step {BestStep} (validation cross entropy {BestCrossEntropy}).",
            step,
            _patience,
            _bestStep,
            _bestCrossEntropy.ToString("0.000000", CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>Puts the best evaluation's weights back into the layer (nothing when no evaluation was scored).</summary>
    public void RestoreBest()
    {
        if (_bestStep >= 0)
        {
            _trainable.CopyFrom(_best);
        }
    }
}
