using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.Export;
using Retrain.Graphs;

namespace Retrain;

/// <summary>
/// Rejects option values retrain.py would have crashed on much later (or silently misused), before any work starts.
/// </summary>
internal static partial class OptionsValidator
{
    private const int MaxBatch = 100_000;

    public static void Validate(RetrainOptions o)
    {
        // An empty path is usually an unset shell variable ("--output_graph $OUT/g.pb" without OUT is fine; "$OUT" is not).
        RequirePath(o.ImageDir, "--image_dir");
        RequirePath(o.OutputGraph, "--output_graph");
        RequirePath(o.OutputLabels, "--output_labels");
        RequirePath(o.BottleneckDir, "--bottleneck_dir");
        Require(o.TfhubModule is null || !string.IsNullOrWhiteSpace(o.TfhubModule), "--tfhub_module", "must name a model: a .pb or .onnx file, a folder holding one, or a name such as inception_v3");
        ValidateModel(o.Model);
        Require(o.RandomCrop is >= 0 and <= 1000, "--random_crop", "must be a percentage from 0 to 1000");
        Require(o.RandomScale is >= 0 and <= 1000, "--random_scale", "must be a percentage from 0 to 1000");
        Require(o.RandomBrightness is >= 0 and <= 100, "--random_brightness", "must be a percentage from 0 to 100 (100 lets a pixel go to black or double)");
        Require(o.HowManyTrainingSteps > 0, "--how_many_training_steps", "must be at least 1");
        Require(o.LearningRate > 0 && float.IsFinite(o.LearningRate), "--learning_rate", "must be a positive number");
        Require(o.EvalStepInterval > 0, "--eval_step_interval", "must be at least 1");
        // Batches are drawn with replacement, so a size beyond the set is legal, but each one is held in memory as
        // rows of vectors and class scores: past this bound it would not fit (and its size would overflow).
        Require(o.TrainBatchSize is > 0 and <= MaxBatch, "--train_batch_size", $"must be from 1 to {MaxBatch:N0}");
        Require(o.ValidationBatchSize == -1 || o.ValidationBatchSize is > 0 and <= MaxBatch, "--validation_batch_size", $"must be -1 (whole set) or from 1 to {MaxBatch:N0}");
        Require(o.TestBatchSize == -1 || o.TestBatchSize is > 0 and <= MaxBatch, "--test_batch_size", $"must be -1 (whole set) or from 1 to {MaxBatch:N0}");
        Require(o.TestingPercentage is >= 0 and <= 100, "--testing_percentage", "must be between 0 and 100");
        Require(o.ValidationPercentage is >= 0 and <= 100, "--validation_percentage", "must be between 0 and 100");
        if (o.TestingPercentage + o.ValidationPercentage >= 100)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"Invalid values for --testing_percentage and --validation_percentage: they add up to {o.TestingPercentage + o.ValidationPercentage}, " +
                "leaving no images for training; they must add up to less than 100.");
        }

        Require(!string.IsNullOrWhiteSpace(o.FinalTensorName), "--final_tensor_name", "must not be empty");
        Require(
            NodeName().IsMatch(o.FinalTensorName),
            "--final_tensor_name",
            "must be a TensorFlow node name: letters, digits and . _ - / (no ':0', which names a tensor, not a node), e.g. final_result");
        Require(
            !RetrainedGraphWriter.AddedNodes.Contains(o.FinalTensorName, StringComparer.Ordinal),
            "--final_tensor_name",
            $"must not be the name of another node retrain adds ({string.Join(", ", RetrainedGraphWriter.AddedNodes)})");
        Require(
            o.RetrainPyBottleneckSuffix is null || o.RetrainPyBottleneckDir is not null,
            "--retrain_py_bottleneck_suffix",
            "needs --retrain_py_bottleneck_dir (the folder whose files it names)");
        Require(
            o.RetrainPyBottleneckSuffix is null || (!o.RetrainPyBottleneckSuffix.Contains('/') && !o.RetrainPyBottleneckSuffix.EndsWith(".txt", StringComparison.Ordinal)),
            "--retrain_py_bottleneck_suffix",
            "is the part of the file name between the image's name and \".txt\" (e.g. _inception_v3), with no '/' and without .txt " +
            "(retrain.py wrote a TF Hub module's URL with '~' for \"://\", '/' and ':')");
        Require(
            o.RetrainPyBottleneckDir is null || !o.ReducedScaleJpeg,
            "--retrain_py_bottleneck_dir",
            "cannot be combined with --reduced_scale_jpeg: retrain.py computed its vectors from full-size decoding, which that cache does not hold");
        Require(
            o.InferenceBatchSize is > 0 and <= RetrainOptions.MaxInferenceBatchSize,
            "--inference_batch_size",
            $"must be from 1 to {RetrainOptions.MaxInferenceBatchSize:N0}");
        Require(o.IntermediateStoreFrequency >= 0, "--intermediate_store_frequency", "must be 0 (never) or a number of steps");
        Require(
            o.IntermediateStoreFrequency == 0 || !string.IsNullOrEmpty(o.IntermediateOutputGraphsDir),
            "--intermediate_output_graphs_dir",
            "must name a folder when --intermediate_store_frequency is given");
    }

    /// <summary>The flags that describe a backbone or classifier, shared by retrain and label-image.</summary>
    public static void ValidateModel(ModelOverrides? m)
    {
        if (m is null)
        {
            return;
        }

        Require(m.InputNode is null || !string.IsNullOrWhiteSpace(m.InputNode), "--input_layer", "must not be empty");
        Require(m.OutputNode is null || !string.IsNullOrWhiteSpace(m.OutputNode), "--bottleneck_layer/--output_layer", "must not be empty");
        Require(m.InputHeight is null or > 0, "--input_height", "must be at least 1 pixel");
        Require(m.InputWidth is null or > 0, "--input_width", "must be at least 1 pixel");
        Require(m.InputMean is null || float.IsFinite(m.InputMean.Value), "--input_mean", "must be a number");
        Require(
            m.InputStd is null || (float.IsFinite(m.InputStd.Value) && m.InputStd.Value != 0),
            "--input_std",
            "must be a number other than 0 (pixels are fed as (value - mean) / std)");
    }

    public static void RequirePath(string? path, string flag) =>
        Require(!string.IsNullOrWhiteSpace(path), flag, "must not be empty (an unset shell variable?)");

    // TensorFlow's own rule for node names (graph_constructor's IsValidNodeName).
    [GeneratedRegex(@"\A[A-Za-z0-9.][A-Za-z0-9_.\-/>]*\z")]
    private static partial Regex NodeName();

    private static void Require(bool ok, string flag, string rule)
    {
        if (!ok)
        {
            throw new RetrainException(ExitCode.Usage, $"Invalid value for {flag}: it {rule}.");
        }
    }
}
