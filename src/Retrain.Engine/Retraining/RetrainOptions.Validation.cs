using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.Export;
using Retrain.Training;

namespace Retrain;

/// <summary>
/// Rejects option values retrain.py would have crashed on much later (or silently misused), before any work starts:
/// one rule per setting, each naming its flag. The training settings' rules are <see cref="TrainingSettings"/>'s own.
/// </summary>
public sealed partial record RetrainOptions
{
    internal void Validate()
    {
        Flags.RequirePath(ImageDir, Flags.ImageDir);
        Flags.RequirePath(OutputGraph, Flags.OutputGraph);
        Flags.RequirePath(OutputLabels, Flags.OutputLabels);
        Flags.RequirePath(BottleneckDir, Flags.BottleneckDir);
        Flags.Require(TfhubModule is null || !string.IsNullOrWhiteSpace(TfhubModule), Flags.TfhubModule, "must name a model: a .pb or .onnx file, a folder holding one, or a name such as inception_v3");
        Flags.Require(
            TfhubModule is null || Architecture is null,
            Flags.Architecture,
            $"cannot be combined with {Flags.TfhubModule}, which names the model already. Give one of them: {Flags.TfhubModule} for a model file, folder or TF Hub handle, {Flags.Architecture} for a model name such as inception_v3");
        Model.Validate();
        Flags.Require(RandomCrop is >= 0 and <= 1000, Flags.RandomCrop, "must be a percentage from 0 to 1000");
        Flags.Require(RandomScale is >= 0 and <= 1000, Flags.RandomScale, "must be a percentage from 0 to 1000");
        Flags.Require(RandomBrightness is >= 0 and <= 100, Flags.RandomBrightness, "must be a percentage from 0 to 100 (100 lets a pixel go to black or double)");
        foreach (var rule in ToTrainingSettings().Rules())
        {
            Flags.Require(rule);
        }

        Flags.Require(TestingPercentage is >= 0 and <= 100, Flags.TestingPercentage, "must be between 0 and 100");
        Flags.Require(ValidationPercentage is >= 0 and <= 100, Flags.ValidationPercentage, "must be between 0 and 100");
        if (TestingPercentage + ValidationPercentage >= 100)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"Invalid values for {Flags.TestingPercentage} and {Flags.ValidationPercentage}: they add up to {TestingPercentage + ValidationPercentage}, " +
                "leaving no images for training; they must add up to less than 100.");
        }

        Flags.Require(!string.IsNullOrWhiteSpace(FinalTensorName), Flags.FinalTensorName, "must not be empty");
        Flags.Require(
            NodeNamePattern().IsMatch(FinalTensorName),
            Flags.FinalTensorName,
            "must be a TensorFlow node name: letters, digits and . _ - / (no ':0', which names a tensor, not a node), e.g. final_result");
        Flags.Require(
            !RetrainedGraphWriter.AddedNodes.Contains(FinalTensorName, StringComparer.Ordinal),
            Flags.FinalTensorName,
            $"must not be the name of another node retrain adds ({string.Join(", ", RetrainedGraphWriter.AddedNodes)})");
        Flags.Require(
            RetrainPyBottleneckSuffix is null || RetrainPyBottleneckDir is not null,
            Flags.RetrainPyBottleneckSuffix,
            $"needs {Flags.RetrainPyBottleneckDir} (the folder whose files it names)");
        Flags.Require(
            RetrainPyBottleneckSuffix is null || (!RetrainPyBottleneckSuffix.Contains('/') && !RetrainPyBottleneckSuffix.EndsWith(".txt", StringComparison.Ordinal)),
            Flags.RetrainPyBottleneckSuffix,
            "is the part of the file name between the image's name and \".txt\" (e.g. _inception_v3), with no '/' and without .txt " +
            "(retrain.py wrote a TF Hub module's URL with '~' for \"://\", '/' and ':')");
        Flags.Require(
            RetrainPyBottleneckDir is null || !ReducedScaleJpeg,
            Flags.RetrainPyBottleneckDir,
            $"cannot be combined with {Flags.ReducedScaleJpeg}: retrain.py computed its vectors from full-size decoding, which that cache does not hold");
        Flags.Require(
            InferenceBatchSize is null or (> 0 and <= MaxInferenceBatchSize),
            Flags.InferenceBatchSize,
            $"must be from 1 to {MaxInferenceBatchSize:N0}");
        Flags.Require(
            Shard is null || BottlenecksOnly,
            Flags.Shard,
            $"needs {Flags.BottlenecksOnly}: a shard computes part of the bottlenecks, and training needs all of them (run one plain retrain over the same {Flags.BottleneckDir} once every shard is done)");
        Flags.Require(IntermediateStoreFrequency >= 0, Flags.IntermediateStoreFrequency, "must be 0 (never) or a number of steps");
        Flags.Require(
            IntermediateStoreFrequency == 0 || !string.IsNullOrEmpty(IntermediateOutputGraphsDir),
            Flags.IntermediateOutputGraphsDir,
            $"must name a folder when {Flags.IntermediateStoreFrequency} is given");
    }

    /// <summary>The training flags as the trainer takes them.</summary>
    internal TrainingSettings ToTrainingSettings() => new(
        HowManyTrainingSteps,
        LearningRate,
        EvalStepInterval,
        Whole(TrainBatchSize),
        Whole(ValidationBatchSize),
        Whole(TestBatchSize),
        RandomSeed)
    {
        L2Regularization = L2Regularization,
        Optimizer = Optimizer,
        LabelSmoothing = LabelSmoothing,
        Dropout = Dropout,
        ClassWeights = ClassWeights,
        EarlyStoppingPatience = EarlyStoppingPatience,
        Distortions = new DistortionSettings(FlipLeftRight, RandomCrop, RandomScale, RandomBrightness),
        Inference = Inference,
    };

    /// <summary>Any negative batch size as -1, the whole part, so -1 and -5 are one setting (a checkpoint compares them).</summary>
    private static int Whole(int batchSize) => batchSize < 0 ? -1 : batchSize;

    // TensorFlow's own rule for node names (graph_constructor's IsValidNodeName).
    [GeneratedRegex(@"\A[A-Za-z0-9.][A-Za-z0-9_.\-/>]*\z")]
    private static partial Regex NodeNamePattern();
}
