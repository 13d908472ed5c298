using System.Diagnostics;
using System.Globalization;
using Retrain.Errors;
using Serilog;

namespace Retrain.Training;

/// <summary>
/// <c>--optimizer lbfgs</c>: the final layer as a full-batch multinomial logistic regression (softmax cross-entropy
/// plus λ/2·‖W‖²) minimised by <see cref="LbfgsMinimizer"/> on every training vector at once, the linear-probe recipe
/// of Create ML and ML.NET's LbfgsMaximumEntropy. One iteration is one "step": --how_many_training_steps is the most
/// iterations, and the run stops earlier once converged. Evaluation steps score the whole training and validation
/// parts. Without --l2_regularization the strength is picked from <see cref="L2Grid"/> by cross-validation.
/// </summary>
internal static class LbfgsTrainer
{
    /// <summary>
    /// The strengths tried when --l2_regularization is not given, in the order they are fitted: a log grid half a
    /// decade apart, strongest first, so each fit starts from the previous one's solution (a regularisation path).
    /// It reaches strengths of order 1 (scikit-learn's default Cs, C down to 1e-4 with λ = 1/(C·n), reach further):
    /// vectors of large values, such as a backbone's logits, need them.
    /// </summary>
    public static IReadOnlyList<float> L2Grid { get; } = [3f, 1f, 3e-1f, 1e-1f, 3e-2f, 1e-2f, 3e-3f, 1e-3f, 3e-4f, 1e-4f, 3e-5f, 1e-5f, 3e-6f, 1e-6f];

    /// <summary>How many cross-validation folds pick the strength: scikit-learn's default.</summary>
    public const int Folds = 5;

    /// <summary>The strength used when nothing can be picked (fewer photos than folds): make_image_classifier's.</summary>
    public const float FallbackL2 = 1e-4f;

    /// <summary>
    /// Trains <paramref name="job"/> from <paramref name="layer"/> (the initial weights, already drawn from
    /// <paramref name="rng"/>); <see cref="Trainer.Run"/> checked the job and comes here for <c>--optimizer lbfgs</c>.
    /// </summary>
    internal static TrainingResult Run(
        TrainingJob job,
        ITrainingBatches batches,
        FinalLayer layer,
        Random rng,
        ILogger log,
        CancellationToken ct)
    {
        var (training, validation, testing, labels, settings) = job;
        var (observer, resume) = (job.Observer, job.Resume);
        Refuse(settings.Inference.Device.RunsFinalLayerOnDevice, $"is not supported where the final layer trains on the device ({Flags.Device} cuda). Train on the CPU");
        Refuse(batches is not CachedBatches, $"trains on the cached bottlenecks of the whole training part, and distortions make a new batch of photos every step. Drop {Flags.FlipLeftRight}, {Flags.RandomCrop}, {Flags.RandomScale} and {Flags.RandomBrightness}");
        Refuse(settings.Dropout > 0, $"is a deterministic full-batch method and {Flags.Dropout} makes its loss random. Drop {Flags.Dropout}");
        var start = Start(layer);
        var firstStep = 0;
        if (resume is not null)
        {
            Trainer.PlaceResumedLayer(resume, layer, settings);
            firstStep = resume.StepsDone;
        }

        using var trainable = TrainableLayer.Create(layer, spareCore: true);
        trainable.UsePanelKernels = true;
        trainable.LabelSmoothing = settings.LabelSmoothing;
        trainable.ClassWeights = ClassWeights.Of(settings.ClassWeights, training, labels.Count);
        var picked = settings.L2Regularization is null
            ? resume?.Optimizer?.PickedL2Regularization ?? (settings.Steps == 0 ? 0f : PickL2(trainable, training, validation, start, settings, log, ct)) // no step: nothing to pick for
            : (float?)null;

        var validationRows = Enumerable.Range(0, validation.Count).ToArray();
        var probabilities = new float[Math.Max(validation.Count, 1) * labels.Count];

        var l2 = settings.L2Regularization ?? picked!.Value;
        var objective = new SoftmaxRegressionObjective(trainable, training, l2);
        var stopping = EarlyStopping.Create(trainable, settings, validation.Count == 0, layer, log);
        if (Trainer.ContinueWatch(stopping, resume, settings))
        {
            firstStep = settings.Steps;
        }

        var minimizer = new LbfgsMinimizer(objective, resume is null ? start : objective.Pack());
        if (resume is not null)
        {
            minimizer.Restore(resume.Optimizer ?? throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.Optimizer} lbfgs cannot resume from {Flags.CheckpointPath}: the checkpoint holds no L-BFGS state. Delete it to start over."));
        }

        Func<OptimizerSnapshot> capture = () => minimizer.Capture() with { PickedL2Regularization = picked };
        var trainAccuracy = objective.Accuracy;
        var crossEntropy = objective.CrossEntropy;
        double? validationAccuracy = null;
        var outcome = LbfgsOutcome.Progress;
        var clock = Stopwatch.StartNew();
        for (var step = firstStep; step < settings.Steps && outcome == LbfgsOutcome.Progress; step++)
        {
            ct.ThrowIfCancellationRequested();
            var lossBefore = new BatchScore(crossEntropy, trainAccuracy, training.Count);
            outcome = minimizer.Iterate();
            if (outcome == LbfgsOutcome.Stalled)
            {
                break;
            }

            // The objective's last evaluation is the accepted point, so the layer holds it and the scores are its.
            (trainAccuracy, crossEntropy) = (objective.Accuracy, objective.CrossEntropy);
            BatchScore? evaluation = null;
            BatchScore? validationScore = null;
            if (step % settings.EvalStepInterval == 0 || step + 1 == settings.Steps || outcome == LbfgsOutcome.Converged)
            {
                evaluation = Trainer.LogTraining(log, step, new BatchScore(crossEntropy, trainAccuracy, training.Count));
                if (validation.Count > 0)
                {
                    var (validationCrossEntropy, correct) = trainable.Forward(validation, validationRows, probabilities);
                    validationScore = Trainer.LogValidation(log, step, validationCrossEntropy, correct, validation.Count);
                    validationAccuracy = validationScore.Value.Accuracy;
                }
            }

            var stop = validationScore is { } scored && stopping is not null && evaluation is { } trained && stopping.ShouldStop(step, trained, scored, scheduled: step % settings.EvalStepInterval == 0 || outcome == LbfgsOutcome.Converged);
            if (observer is not null)
            {
                trainable.CopyTo(layer);
                observer.OnStep(new StepReport(step, layer, lossBefore, evaluation, validationScore, capture, stopping is null ? null : stopping.Capture));
            }

            if (stop)
            {
                break;
            }
        }

        log.Information(
            "L-BFGS ({Reason:l}) after {Iterations} iterations, {Passes} passes over the {Count} training vectors in {Seconds:l} s: loss {Loss:l} with --l2_regularization {Strength:l}",
            outcome switch
            {
                LbfgsOutcome.Converged => "converged",
                LbfgsOutcome.Stalled => "converged: no step lowers the loss at float precision",
                _ => "stopped",
            },
            minimizer.Iterations,
            minimizer.Evaluations,
            training.Count,
            clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),
            minimizer.Loss.ToString("0.000000", CultureInfo.InvariantCulture),
            l2.ToString(CultureInfo.InvariantCulture));

        objective.Load(minimizer.X);

        // The test part is scored by the kernels every head and FinalLayer.Predict use, so its probabilities are theirs.
        trainable.UsePanelKernels = false;
        return Trainer.Finish(trainable, layer, stopping, testing, labels, settings, rng, log, (trainAccuracy, crossEntropy, validationAccuracy), ct);
    }

    /// <summary>The initial layer as L-BFGS's parameter vector: class-major weights, then biases.</summary>
    private static float[] Start(FinalLayer layer)
    {
        var x = new float[layer.Weights.Length + layer.Biases.Length];
        SoftmaxKernel.Transpose(layer.Weights, layer.BottleneckSize, layer.ClassCount, x);
        layer.Biases.CopyTo(x, layer.Weights.Length);
        return x;
    }

    /// <summary>
    /// Picks the strength by stratified <see cref="Folds"/>-fold cross-validation over the training and validation
    /// parts together (scikit-learn's <c>LogisticRegressionCV</c>): in each fold the regression is fitted on the other
    /// folds once per strength of <see cref="L2Grid"/>, strongest first, each from the previous one's solution, and
    /// scored on the fold held out. Returns the strength with the lowest mean held-out cross-entropy over every photo,
    /// logging each one's. The final layer is then trained on the training part from the run's own start, so its steps
    /// and curves are those of a run given that strength. The cross-entropy rather than the accuracy: a proper score
    /// that every held-out photo moves a little, where an accuracy moves in whole photos and ties; and every photo held
    /// out once rather than a validation part of a few dozen, whose pick moves with a photo or two.
    /// </summary>
    private static float PickL2(
        TrainableLayer trainable,
        LabeledVectors training,
        LabeledVectors validation,
        float[] start,
        TrainingSettings settings,
        ILogger log,
        CancellationToken ct)
    {
        if (training.Count + validation.Count < Folds)
        {
            log.Warning(
                "Fewer than {Folds} training and validation vectors; {Optimizer:l} lbfgs cannot pick {Flag:l} and uses {Strength:l}.",
                Folds,
                Flags.Optimizer,
                Flags.L2Regularization,
                FallbackL2.ToString(CultureInfo.InvariantCulture));
            return FallbackL2;
        }

        var data = Concatenate(training, validation);
        var folds = new CrossValidationFolds(data.Labels, Folds);
        log.Information(
            "Picking {Flag:l} by {Folds}-fold cross-validation on the {Count} training and validation vectors from {Grid:l}",
            Flags.L2Regularization,
            Folds,
            data.Count,
            string.Join(", ", L2Grid.Select(l => l.ToString(CultureInfo.InvariantCulture))));
        var clock = Stopwatch.StartNew();
        var crossEntropySums = new double[L2Grid.Count];
        var correct = new int[L2Grid.Count];
        var iterations = new int[L2Grid.Count];
        var passes = 0;
        for (var fold = 0; fold < folds.Count; fold++)
        {
            var fitRows = folds.Training(fold);
            var heldOut = folds.HeldOut(fold);
            var probabilities = new float[heldOut.Length * trainable.ClassCount];
            var objective = new SoftmaxRegressionObjective(trainable, data, fitRows, L2Grid[0]);
            var minimizer = new LbfgsMinimizer(objective, start);
            for (var g = 0; g < L2Grid.Count; g++)
            {
                if (g > 0)
                {
                    // Each strength starts from the previous one's solution, on the same buffers: no garbage per fit.
                    objective.L2Regularization = L2Grid[g];
                    minimizer.Restart(minimizer.X);
                }

                for (var step = 0; step < settings.Steps; step++)
                {
                    ct.ThrowIfCancellationRequested();
                    if (minimizer.Iterate() != LbfgsOutcome.Progress)
                    {
                        break;
                    }
                }

                passes += minimizer.Evaluations;
                iterations[g] += minimizer.Iterations;
                objective.Load(minimizer.X);
                var (crossEntropySum, right) = trainable.Forward(data, heldOut, probabilities);
                crossEntropySums[g] += crossEntropySum;
                correct[g] += right;
            }
        }

        var best = 0;
        for (var g = 0; g < L2Grid.Count; g++)
        {
            log.Information(
                "{Flag:l} {Strength:l}: cross-validation cross entropy = {CrossEntropy:0.000000}, accuracy = {Accuracy:0.0}% ({Iterations} iterations over {Folds} folds)",
                Flags.L2Regularization,
                L2Grid[g].ToString(CultureInfo.InvariantCulture),
                crossEntropySums[g] / data.Count,
                100.0 * correct[g] / data.Count,
                iterations[g],
                folds.Count);
            if (crossEntropySums[g] < crossEntropySums[best])
            {
                best = g;
            }
        }

        log.Information(
            "Picked {Flag:l} {Strength:l} by cross-validation cross entropy ({Count} fits, {Passes} passes in {Seconds:l} s); training the final layer with it",
            Flags.L2Regularization,
            L2Grid[best].ToString(CultureInfo.InvariantCulture),
            L2Grid.Count * folds.Count,
            passes,
            clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        WarnAtGridEnd(best, log);
        return L2Grid[best];
    }

    /// <summary>
    /// Warns when the strength picked (its index in <see cref="L2Grid"/>) is at either end of the grid: it may only be
    /// the best of the strengths tried, with a better one beyond it.
    /// </summary>
    internal static void WarnAtGridEnd(int picked, ILogger log)
    {
        if (picked != 0 && picked != L2Grid.Count - 1)
        {
            return;
        }

        var strongest = picked == 0;
        log.Warning(
            "The picked {Flag:l} {Strength:l} is the {End:l} the grid tries, so a {Further:l} one may fit these vectors better. Try {Flag:l} {Beyond:l} and compare the validation accuracy.",
            Flags.L2Regularization,
            L2Grid[picked].ToString(CultureInfo.InvariantCulture),
            strongest ? "strongest" : "weakest",
            strongest ? "stronger" : "weaker",
            Flags.L2Regularization,
            (strongest ? L2Grid[0] * 10 : L2Grid[^1] / 10).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The training part followed by the validation part, as one part the folds index.</summary>
    private static LabeledVectors Concatenate(LabeledVectors training, LabeledVectors validation)
    {
        if (validation.Count == 0)
        {
            return training;
        }

        var vectors = new float[checked((training.Count + validation.Count) * training.VectorLength)];
        training.AllVectors.CopyTo(vectors);
        validation.AllVectors.CopyTo(vectors.AsSpan(training.AllVectors.Length));
        return new LabeledVectors(training.VectorLength, vectors, [.. training.Labels, .. validation.Labels], [.. training.Paths, .. validation.Paths]);
    }

    private static void Refuse(bool refused, string why)
    {
        if (refused)
        {
            throw new RetrainException(ExitCode.Usage, $"{Flags.Optimizer} lbfgs {why}.");
        }
    }
}
