using System.Collections.Frozen;

namespace Retrain.Errors;

/// <summary>
/// The command-line flag of each option, the one place that maps an option to the name users type: errors name the
/// flag, not the C# property, so a user can fix the command they ran.
/// </summary>
public static class Flags
{
    public const string ImageDir = "--image_dir";
    public const string OutputGraph = "--output_graph";
    public const string OutputLabels = "--output_labels";
    public const string SummariesDir = "--summaries_dir";
    public const string EvaluationJson = "--evaluation_json";
    public const string ReportDir = "--report_dir";
    public const string HowManyTrainingSteps = "--how_many_training_steps";
    public const string LearningRate = "--learning_rate";
    public const string L2Regularization = "--l2_regularization";
    public const string Optimizer = "--optimizer";
    public const string LabelSmoothing = "--label_smoothing";
    public const string EarlyStoppingPatience = "--early_stopping_patience";
    public const string Dropout = "--dropout";
    public const string ClassWeights = "--class_weights";

    public const string BottlenecksOnly = "--bottlenecks_only";

    public const string Shard = "--shard";

    public const string ShardCount = "--shard_count";
    public const string TestingPercentage = "--testing_percentage";
    public const string ValidationPercentage = "--validation_percentage";
    public const string EvalStepInterval = "--eval_step_interval";
    public const string TrainBatchSize = "--train_batch_size";
    public const string TestBatchSize = "--test_batch_size";
    public const string ValidationBatchSize = "--validation_batch_size";
    public const string BottleneckDir = "--bottleneck_dir";
    public const string RetrainPyBottleneckDir = "--retrain_py_bottleneck_dir";
    public const string RetrainPyBottleneckSuffix = "--retrain_py_bottleneck_suffix";
    public const string FinalTensorName = "--final_tensor_name";
    public const string FlipLeftRight = "--flip_left_right";
    public const string RandomCrop = "--random_crop";
    public const string RandomScale = "--random_scale";
    public const string RandomBrightness = "--random_brightness";
    public const string TfhubModule = "--tfhub_module";
    public const string Architecture = "--architecture";
    public const string SavedModelDir = "--saved_model_dir";
    public const string IntermediateStoreFrequency = "--intermediate_store_frequency";
    public const string IntermediateOutputGraphsDir = "--intermediate_output_graphs_dir";
    public const string CheckpointPath = "--checkpoint_path";
    public const string OutputOnnx = "--output_onnx";
    public const string InferenceBatchSize = "--inference_batch_size";
    public const string ReducedScaleJpeg = "--reduced_scale_jpeg";
    public const string PrintMisclassifiedTestImages = "--print_misclassified_test_images";
    public const string LoggingVerbosity = "--logging_verbosity";
    public const string RandomSeed = "--random_seed";

    // The model description flags, shared by retrain and label-image.
    public const string InputLayer = "--input_layer";
    public const string BottleneckLayer = "--bottleneck_layer";
    public const string OutputLayer = "--output_layer";
    public const string BottleneckOrOutputLayer = $"{BottleneckLayer}/{OutputLayer}";
    public const string InputHeight = "--input_height";
    public const string InputWidth = "--input_width";
    public const string InputMean = "--input_mean";
    public const string InputStd = "--input_std";

    public const string InputLayout = "--input_layout";

    public const string InputChannelOrder = "--input_channel_order";

    public const string Device = "--device";
    public const string GpuId = "--gpu_id";
    public const string ModelDir = "--model_dir";

    // label-image's own.
    public const string Graph = "--graph";
    public const string Labels = "--labels";
    public const string Image = "--image";
    public const string TopK = "--top_k";

    /// <summary>--top_k's name in TensorFlow's examples/image_retraining/label_image.py.</summary>
    public const string NumTopPredictions = "--num_top_predictions";

    /// <summary>argparse's own flag, which every Python script had (so retrain.py refused --h as ambiguous).</summary>
    public const string Help = "--help";

    /// <summary>
    /// retrain.py's own flags, with the older retrain.py's --model_dir and --architecture and argparse's --help: a
    /// shortened flag that begins several of retrain's flags but only one of these means that one, as retrain.py's
    /// argparse read it (--eval is --eval_step_interval, not also --evaluation_json, which retrain.py lacked).
    /// </summary>
    public static readonly FrozenSet<string> RetrainPy = FrozenSet.Create(
        StringComparer.Ordinal,
        ImageDir, OutputGraph, IntermediateOutputGraphsDir, IntermediateStoreFrequency, OutputLabels, SummariesDir,
        HowManyTrainingSteps, LearningRate, TestingPercentage, ValidationPercentage, EvalStepInterval, TrainBatchSize,
        TestBatchSize, ValidationBatchSize, PrintMisclassifiedTestImages, BottleneckDir, FinalTensorName, FlipLeftRight,
        RandomCrop, RandomScale, RandomBrightness, TfhubModule, SavedModelDir, LoggingVerbosity, CheckpointPath,
        ModelDir, Architecture, Help);

    /// <summary>
    /// label_image.py's flags (tensorflow/examples/label_image), with examples/image_retraining/label_image.py's
    /// --num_top_predictions: as <see cref="RetrainPy"/>, for label-image (--g is --graph, not also --gpu_id).
    /// </summary>
    public static readonly FrozenSet<string> LabelImagePy = FrozenSet.Create(
        StringComparer.Ordinal,
        Graph, Labels, Image, InputHeight, InputWidth, InputMean, InputStd, InputLayer, OutputLayer, NumTopPredictions, Help);

    /// <summary>Throws the usage error every invalid flag value gets: "Invalid value for FLAG: it RULE."</summary>
    public static void Require(bool ok, string flag, string rule)
    {
        if (!ok)
        {
            throw new RetrainException(ExitCode.Usage, $"Invalid value for {flag}: it {rule}.");
        }
    }

    /// <summary>The command's wording of a broken <see cref="SettingRule"/>: "Invalid value for --flag: it must ...".</summary>
    internal static void Require(SettingRule rule) => Require(rule.Holds, rule.Flag, rule.Rule);

    /// <summary>An empty path is usually an unset shell variable ("$OUT/g.pb" without OUT is fine; "$OUT" is not).</summary>
    public static void RequirePath(string? path, string flag) =>
        Require(!string.IsNullOrWhiteSpace(path), flag, "must not be empty (an unset shell variable?)");
}
