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
    private EarlyStoppingSnapshot? _beforeLastStep;

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

    /// <summary>True once <see cref="ShouldStop"/> has said so, or the resumed watch had ended its run.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// The watch as of the last evaluation, for a checkpoint; null before the first evaluation. After an evaluation
    /// that only the run's last step made, it also carries the watch from before it.
    /// </summary>
    public EarlyStoppingSnapshot? Capture() => Best is { } best
        ? new EarlyStoppingSnapshot(_bestStep, _bestCrossEntropy, _sinceBest, (float[])_best.Weights.Clone(), (float[])_best.Biases.Clone(), best.Train, best.Validation, Stopped)
        {
            BeforeLastStep = _beforeLastStep,
        }
        : null;

    /// <summary>
    /// Continues the watch a checkpoint saved, so a resumed run stops where an uninterrupted one would, and keeps the
    /// same best weights. When that watch had ended its run, logs that nothing more is trained.
    /// </summary>
    public void Restore(EarlyStoppingSnapshot snapshot, string checkpointPath)
    {
        if (snapshot.BestWeights.Length != _best.Weights.Length || snapshot.BestBiases.Length != _best.Biases.Length)
        {
            throw new ArgumentException(
                $"The saved best layer has {snapshot.BestWeights.Length} weights and {snapshot.BestBiases.Length} biases; this run needs {_best.Weights.Length} and {_best.Biases.Length}.",
                nameof(snapshot));
        }

        snapshot.BestWeights.CopyTo(_best.Weights, 0);
        snapshot.BestBiases.CopyTo(_best.Biases, 0);
        (_bestStep, _bestCrossEntropy, _sinceBest, Stopped) = (snapshot.BestStep, snapshot.BestCrossEntropy, snapshot.SinceBest, snapshot.Stopped);
        Best = (snapshot.BestTrain, snapshot.BestValidation);
        if (Stopped)
        {
            _log.Information(
                "Checkpoint {Path} is of a run that early stopping ended; training no further and writing the outputs from the weights of step {BestStep}. Delete the checkpoint to train again.",
                checkpointPath,
                _bestStep);
        }
    }

    /// <summary>
    /// Records the evaluation at <paramref name="step"/>; true when training should stop after it.
    /// <paramref name="scheduled"/> is false for the evaluation retrain.py adds at the last step off the
    /// --eval_step_interval grid: a longer run has none there, so the watch from before it is kept for a resume that
    /// continues past this run's end.
    /// </summary>
    public bool ShouldStop(int step, BatchScore train, BatchScore validation, bool scheduled)
    {
        if (!scheduled)
        {
            _beforeLastStep = Capture();
        }

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

        Stopped = true;
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
