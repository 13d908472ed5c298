using System.Globalization;
using Retrain.Errors;
using Serilog;

namespace Retrain.Training;

/// <summary>
/// Trains the final layer on cached bottlenecks: the training loop of retrain.py's <c>main</c> and its
/// <c>run_final_eval</c>, with the same step numbering (0-based), evaluation schedule and log wording.
/// </summary>
internal static class Trainer
{
    /// <summary>
    /// Runs <see cref="TrainingSettings.Steps"/> gradient descent steps, logging train accuracy, cross-entropy and
    /// validation accuracy every <see cref="TrainingSettings.EvalStepInterval"/> steps and at the last step, then
    /// evaluates on the test part. The job's <see cref="TrainingJob.Observer"/> gets every step's scores and the layer,
    /// already updated (see <see cref="StepReport"/>); the same layer object is returned in the result. With
    /// <see cref="TrainingJob.Resume"/>, training continues after the steps already done.
    /// The same seed and inputs give bit-identical results on the same machine and runtime (SIMD width decides the
    /// order of float sums, so another CPU may differ in the last bits).
    /// </summary>
    /// <exception cref="RetrainException">Usage for impossible settings; BadDataset when the training part is empty.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="ct"/> is cancelled; checked every step.</exception>
    public static TrainingResult Run(TrainingJob job, ILogger log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(log);
        var (training, validation, testing, labels, settings) = job;
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        CheckParts(training, validation, testing, labels);
        // The commands never get here with an empty part: RetrainEngine's EnsureTrainable, the user's guard, refuses
        // fewer than two classes first. This one words it for the trainer's direct callers (TrainerTests pin it).
        if (training.Count == 0)
        {
            throw new RetrainException(
                ExitCode.BadDataset,
                "The training set is empty: every image went to the testing or validation set. Lower "
                + $"{Flags.TestingPercentage} and {Flags.ValidationPercentage}, or add images to the class folders of {Flags.ImageDir}.");
        }

        var (observer, resume) = (job.Observer, job.Resume);
        var batches = job.Batches ?? new CachedBatches(training, labels.Count, settings.TrainBatchSize);
        var rng = new Random(settings.Seed);
        var layer = new FinalLayer(training.VectorLength, labels.Count, rng);
        if (settings.Optimizer == OptimizerKind.Lbfgs)
        {
            return LbfgsTrainer.Run(job, batches, layer, rng, log, ct);
        }

        var validationSampler = new BatchSampler(validation, labels.Count);
        if (validationSampler.IsEmpty)
        {
            log.Warning("Validation set is empty; skipping validation accuracy.");
        }

        var trainRows = new int[batches.MaxRows];
        var validationRows = new int[validationSampler.BatchLength(settings.ValidationBatchSize)];
        var probabilities = new float[Math.Max(trainRows.Length, validationRows.Length) * labels.Count];

        var firstStep = resume is null
            ? 0
            : Resume(resume, layer, settings, batches, validationSampler, trainRows, validationRows, rng);
        // On cached vectors the bottlenecks are done by now and the second core is idle: the kernels split over it
        // (docs/performance.md has the figures) and give the same bits as one thread. Distorted batches keep both
        // cores busy with decoding and the backbone, next to which the kernels are negligible.
        using var trainable = ITrainableLayer.Create(layer, settings.Inference, spareCore: batches is CachedBatches);
        ApplyRegularization(trainable, settings);
        ApplyOptimizer(trainable, settings, resume);
        ApplyLabelSmoothing(trainable, settings);
        ApplyClassWeights(trainable, settings, training, labels.Count);
        var dropout = BottleneckDropout.Create(settings, training.VectorLength);
        Func<OptimizerSnapshot>? captureOptimizer = trainable is TrainableLayer withRule ? withRule.Optimizer.Capture : null;
        var stopping = EarlyStopping.Create(trainable, settings, validationSampler.IsEmpty, layer, log);
        if (ContinueWatch(stopping, resume, settings))
        {
            firstStep = settings.Steps;
        }

        Func<EarlyStoppingSnapshot?>? captureWatch = stopping is null ? null : stopping.Capture;

        var lastTrainAccuracy = double.NaN;
        var lastCrossEntropy = double.NaN;
        double? lastValidationAccuracy = null;
        for (var step = firstStep; step < settings.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            var batchVectors = batches.Next(step, rng, trainRows, out var batchLength, ct);
            var batch = trainRows.AsSpan(0, batchLength);
            var stepVectors = batchVectors;
            ReadOnlySpan<int> stepRows = batch;
            if (dropout is not null)
            {
                stepVectors = dropout.Apply(batchVectors, batch, step, out stepRows);
            }

            var crossEntropyBefore = trainable.Step(stepVectors, stepRows, settings.LearningRate, probabilities, out var correctBefore);
            if (!double.IsFinite(crossEntropyBefore) || !trainable.IsFinite)
            {
                // retrain.py trains on and writes a graph that answers NaN for every photo; stop while the user can
                // still act on it, before the step reaches the checkpoint, the summaries or any graph.
                throw new RetrainException(
                    ExitCode.Usage,
                    $"Training diverged at step {step}: the weights overflowed. Lower {Flags.LearningRate} (it is " +
                    $"{settings.LearningRate.ToString(CultureInfo.InvariantCulture)}; retrain.py's default is 0.01). The output graph was not written. With {Flags.CheckpointPath}, delete the checkpoint " +
                    "too: it holds steps run at the same rate, and resuming from them diverges again.");
            }

            BatchScore? evaluation = null;
            BatchScore? validationScore = null;
            if (IsEvaluationStep(step, settings))
            {
                // retrain.py evaluates the batch it just trained on, with the weights after the update.
                var (crossEntropySum, correct) = trainable.Forward(batchVectors, batch, probabilities);
                var trainScore = LogTraining(log, step, new BatchScore(crossEntropySum / batch.Length, (double)correct / batch.Length, batch.Length));
                (lastTrainAccuracy, lastCrossEntropy, evaluation) = (trainScore.Accuracy, trainScore.CrossEntropy, trainScore);

                if (!validationSampler.IsEmpty)
                {
                    var rows = validationRows.AsSpan(
                        0, validationSampler.Next(settings.ValidationBatchSize, rng, validationRows));
                    var (validationCrossEntropy, validationCorrect) = trainable.Forward(validation, rows, probabilities);
                    validationScore = LogValidation(log, step, validationCrossEntropy, validationCorrect, rows.Length);
                    lastValidationAccuracy = validationScore.Value.Accuracy;
                }
            }

            var stop = validationScore is { } scored && stopping is not null && evaluation is { } trained && stopping.ShouldStop(step, trained, scored, scheduled: step % settings.EvalStepInterval == 0);

            if (observer is not null)
            {
                trainable.CopyTo(layer);
                var train = new BatchScore(crossEntropyBefore, (double)correctBefore / batch.Length, batch.Length);
                observer.OnStep(new StepReport(step, layer, train, evaluation, validationScore, captureOptimizer, captureWatch));
            }

            if (stop)
            {
                break;
            }
        }

        return Finish(trainable, layer, stopping, testing, labels, settings, rng, log, (lastTrainAccuracy, lastCrossEntropy, lastValidationAccuracy), ct);
    }

    /// <summary>Logs an evaluation step's training figures as retrain.py prints them; returns the score.</summary>
    internal static BatchScore LogTraining(ILogger log, int step, BatchScore score)
    {
        log.Information("Step {Step}: Train accuracy = {TrainAccuracy:" + RetrainPyFigures.PercentFormat + "}%", step, RetrainPyFigures.Percent(score.Accuracy));
        log.Information("Step {Step}: Cross entropy = {CrossEntropy:" + RetrainPyFigures.CrossEntropyFormat + "}", step, score.CrossEntropy);
        return score;
    }

    /// <summary>Logs an evaluation step's validation figures as retrain.py prints them; returns them as a score.</summary>
    internal static BatchScore LogValidation(ILogger log, int step, double crossEntropySum, int correct, int count)
    {
        var score = new BatchScore(crossEntropySum / count, (double)correct / count, count);
        log.Information("Step {Step}: Validation accuracy = {ValidationAccuracy:" + RetrainPyFigures.PercentFormat + "}% (N={ValidationCount})", step, RetrainPyFigures.Percent(score.Accuracy), count);
        return score;
    }

    /// <summary>
    /// The end of every head: early stopping's best weights back in place, the layer copied out, the test evaluation,
    /// and the result with the figures of the best evaluation (or of the <paramref name="last"/> one).
    /// </summary>
    internal static TrainingResult Finish(
        ITrainableLayer trainable,
        FinalLayer layer,
        EarlyStopping? stopping,
        LabeledVectors testing,
        IReadOnlyList<string> labels,
        TrainingSettings settings,
        Random rng,
        ILogger log,
        (double TrainAccuracy, double CrossEntropy, double? ValidationAccuracy) last,
        CancellationToken ct)
    {
        stopping?.RestoreBest();
        trainable.CopyTo(layer);
        ct.ThrowIfCancellationRequested();
        var test = Evaluate(trainable, testing, labels, settings.TestBatchSize, rng, log);
        return stopping?.Best is { } best
            ? new TrainingResult(layer, test, best.Train.Accuracy, best.Train.CrossEntropy, best.Validation.Accuracy)
            : new TrainingResult(layer, test, last.TrainAccuracy, last.CrossEntropy, last.ValidationAccuracy);
    }

    /// <summary>
    /// Continues the early stopping watch a resumed checkpoint saved (none when this run does not watch, or that one
    /// did not); true when the watch had already ended that run, so no step is left to train.
    /// </summary>
    internal static bool ContinueWatch(EarlyStopping? stopping, ResumePoint? resume, TrainingSettings settings)
    {
        if (stopping is null || resume?.EarlyStopping is not { } saved)
        {
            return false;
        }

        // A run resumed past the checkpoint's end never makes the evaluation that run added at its last step.
        var watch = resume.StepsDone < settings.Steps && saved.BeforeLastStep is { } beforeLastStep ? beforeLastStep : saved;
        stopping.Restore(watch, resume.Source);
        return stopping.Stopped;
    }

    private static bool IsEvaluationStep(int step, TrainingSettings settings) =>
        step % settings.EvalStepInterval == 0 || step + 1 == settings.Steps;

    /// <summary>
    /// Puts the resumed layer in place and replays the generator through the batches the first
    /// <see cref="ResumePoint.StepsDone"/> steps drew (training every step, validation at evaluation steps); the
    /// initial weights were already drawn by the caller. Returns the first step to run.
    /// </summary>
    private static int Resume(
        ResumePoint resume,
        FinalLayer layer,
        TrainingSettings settings,
        ITrainingBatches batches,
        BatchSampler validationSampler,
        int[] trainRows,
        int[] validationRows,
        Random rng)
    {
        PlaceResumedLayer(resume, layer, settings);
        for (var step = 0; step < resume.StepsDone; step++)
        {
            batches.Skip(step, rng, trainRows);
            if (IsEvaluationStep(step, settings) && !validationSampler.IsEmpty)
            {
                validationSampler.Next(settings.ValidationBatchSize, rng, validationRows);
            }
        }

        return resume.StepsDone;
    }

    /// <summary>
    /// Checks that <paramref name="resume"/> fits this run (its steps within --how_many_training_steps, its layer this
    /// run's shape) and copies its layer into <paramref name="layer"/>; every head resumes through here.
    /// </summary>
    internal static void PlaceResumedLayer(ResumePoint resume, FinalLayer layer, TrainingSettings settings)
    {
        if (resume.StepsDone < 0 || resume.StepsDone > settings.Steps)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"Cannot resume after step {resume.StepsDone}: {Flags.HowManyTrainingSteps} is {settings.Steps}. Raise it, or start over without the checkpoint.");
        }

        if (resume.Weights.Length != layer.Weights.Length || resume.Biases.Length != layer.Biases.Length)
        {
            throw new ArgumentException(
                $"The resumed layer has {resume.Weights.Length} weights and {resume.Biases.Length} biases; this run needs {layer.Weights.Length} and {layer.Biases.Length}.",
                nameof(resume));
        }

        resume.Weights.CopyTo(layer.Weights, 0);
        resume.Biases.CopyTo(layer.Biases, 0);
    }

    // retrain.py's run_final_eval.
    internal static TestResult Evaluate(
        ITrainableLayer trainable,
        LabeledVectors testing,
        IReadOnlyList<string> labels,
        int batchSize,
        Random rng,
        ILogger log)
    {
        var sampler = new BatchSampler(testing, labels.Count);
        if (sampler.IsEmpty)
        {
            log.Warning("Test set is empty; skipping final test accuracy.");
            return new TestResult(double.NaN, 0, [], []);
        }

        var rows = new int[sampler.BatchLength(batchSize)];
        sampler.Next(batchSize, rng, rows);
        var probabilities = new float[rows.Length * labels.Count];
        var (_, correct) = trainable.Forward(testing, rows, probabilities);

        var misclassified = new List<Misclassified>();
        var trueClasses = new int[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var predicted = SoftmaxKernel.ArgMax(probabilities.AsSpan(i * labels.Count, labels.Count));
            var truth = testing.Labels[rows[i]];
            trueClasses[i] = truth;
            if (predicted != truth)
            {
                misclassified.Add(new Misclassified(testing.Paths[rows[i]], labels[predicted], labels[truth]));
            }
        }

        var accuracy = (double)correct / rows.Length;
        log.Information("Final test accuracy = {TestAccuracy:" + RetrainPyFigures.PercentFormat + "}% (N={TestCount})", RetrainPyFigures.Percent(accuracy), rows.Length);
        return new TestResult(accuracy, rows.Length, misclassified, probabilities)
        {
            TrueClasses = trueClasses,
            Paths = Array.ConvertAll(rows, r => testing.Paths[r]),
        };
    }

    private static void CheckParts(
        LabeledVectors training,
        LabeledVectors validation,
        LabeledVectors testing,
        IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(testing);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("At least one label is needed.", nameof(labels));
        }

        foreach (var part in new[] { training, validation, testing })
        {
            if (part.VectorLength != training.VectorLength)
            {
                throw new ArgumentException(
                    $"All parts need vectors of one length; got {training.VectorLength} and {part.VectorLength}.");
            }

            if (part.Labels.Any(label => label >= labels.Count))
            {
                throw new ArgumentException($"A class index is not below the label count {labels.Count}.");
            }
        }
    }

    /// <summary>
    /// Gives the layer <c>--optimizer</c>'s update rule, with the state a resumed checkpoint saved; only the CPU kernels
    /// have rules beyond plain gradient descent.
    /// </summary>
    private static void ApplyOptimizer(ITrainableLayer trainable, TrainingSettings settings, ResumePoint? resume)
    {
        if (settings.Optimizer == OptimizerKind.Sgd)
        {
            return;
        }

        var name = settings.Optimizer.ToString().ToLowerInvariant();
        if (trainable is not TrainableLayer cpu)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.Optimizer} {name} is not supported where the final layer trains on the device ({Flags.Device} cuda): " +
                $"the step graph has plain gradient descent only. Use {Flags.Optimizer} sgd or train on the CPU.");
        }

        var optimizer = Optimizer.Create(settings.Optimizer, cpu.WeightsByClass.Length, cpu.Biases.Length);
        if (resume is not null && optimizer.HasState)
        {
            if (resume.Optimizer is not { } snapshot)
            {
                throw new RetrainException(
                    ExitCode.Usage,
                    $"{Flags.Optimizer} {name} cannot resume from {Flags.CheckpointPath}: the checkpoint holds the weights but " +
                    $"not the optimizer's state. Delete the checkpoint to start over, or pass another {Flags.CheckpointPath}.");
            }

            optimizer.Restore(snapshot);
        }

        cpu.Optimizer = optimizer;
    }

    /// <summary>Hands <c>--label_smoothing</c> to the layer; only the CPU kernels smooth the targets.</summary>
    private static void ApplyLabelSmoothing(ITrainableLayer trainable, TrainingSettings settings)
    {
        if (settings.LabelSmoothing == 0)
        {
            return;
        }

        if (trainable is not TrainableLayer cpu)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.LabelSmoothing} is not supported where the final layer trains on the device ({Flags.Device} cuda): " +
                $"the step graph trains on one-hot targets only. Drop {Flags.LabelSmoothing} or train on the CPU.");
        }

        cpu.LabelSmoothing = settings.LabelSmoothing;
    }

    /// <summary>Hands <c>--class_weights</c> to the layer; only the CPU kernels weigh rows.</summary>
    private static void ApplyClassWeights(ITrainableLayer trainable, TrainingSettings settings, LabeledVectors training, int classCount)
    {
        if (settings.ClassWeights == ClassWeighting.None)
        {
            return;
        }

        if (trainable is not TrainableLayer cpu)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.ClassWeights} is not supported where the final layer trains on the device ({Flags.Device} cuda): " +
                $"the step graph weighs every image alike. Drop {Flags.ClassWeights} or train on the CPU.");
        }

        cpu.ClassWeights = ClassWeights.Of(settings.ClassWeights, training, classCount);
    }

    /// <summary>Hands <c>--l2_regularization</c> to the layer; only the CPU kernels carry the penalty.</summary>
    private static void ApplyRegularization(ITrainableLayer trainable, TrainingSettings settings)
    {
        if (settings.L2Regularization is null or 0)
        {
            return;
        }

        if (trainable is not TrainableLayer cpu)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.L2Regularization} is not supported where the final layer trains on the device ({Flags.Device} cuda): " +
                $"the step graph has plain gradient descent only. Drop {Flags.L2Regularization} or train on the CPU.");
        }

        cpu.L2Regularization = settings.L2Regularization.Value;
    }
}
