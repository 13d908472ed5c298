using Retrain.Protos.Checkpoints;
using Retrain.Training;

namespace Retrain.Checkpoints;

/// <summary>
/// Saves --checkpoint_path while training runs: at every evaluation step (every --eval_step_interval steps and the
/// last step, as retrain.py's train_saver saves at the end), and, through <see cref="SaveLatest"/>, when the run is
/// cancelled, so Ctrl+C loses no finished step. Each save replaces the file atomically.
/// </summary>
internal sealed class CheckpointWriter(string path, RunIdentity identity, TrainingSettings settings) : ITrainingObserver
{
    private FinalLayer? _layer;
    private Func<OptimizerSnapshot>? _optimizer;
    private Func<EarlyStoppingSnapshot?>? _earlyStopping;
    private int _stepsDone = -1;
    private int _savedStepsDone = -1;

    public string Path => path;

    /// <summary>How many steps the file holds (-1 before the first save).</summary>
    public int StepsSaved => _savedStepsDone;

    public void OnStep(in StepReport report)
    {
        _layer = report.Layer;
        _optimizer = report.Optimizer;
        _earlyStopping = report.EarlyStopping;
        _stepsDone = report.Step + 1;
        if (report.IsEvaluationStep)
        {
            Save();
        }
    }

    /// <summary>Saves the layer after the last step reported, unless that state is saved already.</summary>
    public void SaveLatest()
    {
        if (_layer is not null && _stepsDone != _savedStepsDone)
        {
            Save();
        }
    }

    private void Save()
    {
        var layer = _layer!;
        var checkpoint = new TrainingCheckpoint
        {
            Format = CheckpointFile.Format,
            StepsDone = _stepsDone,
            HowManyTrainingSteps = settings.Steps,
            BottleneckSize = layer.BottleneckSize,
            ClassCount = layer.ClassCount,
            DatasetFingerprint = identity.DatasetFingerprint,
            ModelFingerprint = identity.ModelFingerprint,
            RandomSeed = settings.Seed,
            TrainBatchSize = settings.TrainBatchSize,
            ValidationBatchSize = settings.ValidationBatchSize,
            EvalStepInterval = settings.EvalStepInterval,
            LearningRate = settings.LearningRate,
            FlipLeftRight = settings.Distortions.FlipLeftRight,
            RandomCrop = settings.Distortions.RandomCrop,
            RandomScale = settings.Distortions.RandomScale,
            RandomBrightness = settings.Distortions.RandomBrightness,
            WallTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        };
        var optimizer = _optimizer?.Invoke() ?? OptimizerSnapshot.None;
        checkpoint.Optimizer = CheckpointHead.OptimizerName(settings.Optimizer);
        checkpoint.L2Regularization = optimizer.PickedL2Regularization ?? settings.L2Regularization ?? 0;
        checkpoint.L2Picked = optimizer.PickedL2Regularization is not null;
        checkpoint.LabelSmoothing = settings.LabelSmoothing;
        checkpoint.Dropout = settings.Dropout;
        checkpoint.ClassWeights = CheckpointHead.ClassWeightsName(settings.ClassWeights);
        checkpoint.OptimizerState = new OptimizerState { Step = optimizer.Step };
        checkpoint.OptimizerState.Slots.AddRange(optimizer.Slots.Select(slot => new FloatArray { Values = { slot } }));
        checkpoint.OptimizerState.Values.AddRange(optimizer.Values);
        checkpoint.Weights.AddRange(layer.Weights);
        checkpoint.Biases.AddRange(layer.Biases);
        checkpoint.Labels.AddRange(identity.Labels);
        if (_earlyStopping?.Invoke() is { } watch)
        {
            checkpoint.EarlyStopping = State(watch);
            if (watch.BeforeLastStep is { } beforeLastStep)
            {
                checkpoint.EarlyStoppingBeforeLastStep = State(beforeLastStep);
            }
        }

        CheckpointFile.Write(path, checkpoint);
        _savedStepsDone = _stepsDone;
    }

    private static EarlyStoppingState State(EarlyStoppingSnapshot watch) => new()
    {
        BestStep = watch.BestStep,
        BestCrossEntropy = watch.BestCrossEntropy,
        SinceBest = watch.SinceBest,
        BestWeights = { watch.BestWeights },
        BestBiases = { watch.BestBiases },
        BestTrain = Score(watch.BestTrain),
        BestValidation = Score(watch.BestValidation),
        Stopped = watch.Stopped,
    };

    private static Score Score(BatchScore score) =>
        new() { CrossEntropy = score.CrossEntropy, Accuracy = score.Accuracy, Count = score.Count };
}
