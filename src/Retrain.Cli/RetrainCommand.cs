using System.CommandLine;
using Retrain.Cli.Common;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Progress;
using Serilog;
using Serilog.Events;

namespace Retrain.Cli;

/// <summary>
/// `retrain`: retrain.py's flags with their names and defaults (so existing wrappers keep working), folded into a
/// <see cref="RetrainOptions"/> for one <see cref="RetrainEngine.Run"/> call.
/// </summary>
internal static class RetrainCommand
{
    private static readonly RetrainOptions Defaults = new() { ImageDir = string.Empty };

    private static readonly Option<string> ImageDir = new(Flags.ImageDir) { Description = "Path to folders of labeled images.", Required = true };
    private static readonly Option<string> OutputGraph = Value(Flags.OutputGraph, Defaults.OutputGraph, "Where to save the trained graph.");
    private static readonly Option<string> OutputLabels = Value(Flags.OutputLabels, Defaults.OutputLabels, "Where to save the trained graph's labels.");
    private static readonly Option<string?> SummariesDir = Value<string?>(Flags.SummariesDir, null, "Where to save summary logs for TensorBoard (train/ and validation/ subfolders). Default: none.");
    private static readonly Option<int> Steps = Value(Flags.HowManyTrainingSteps, Defaults.HowManyTrainingSteps, "How many training steps to run before ending.");
    private static readonly Option<float> LearningRate = Value(Flags.LearningRate, Defaults.LearningRate, "How large a learning rate to use when training.");
    private static readonly Option<float?> L2Regularization = Value<float?>("--l2_regularization", null, "Strength of an L2 penalty on the new layer's weights; 0 adds none (CPU training only). Default: 0, except that lbfgs picks it by cross-validation.");
    private static readonly Option<string> Optimizer = Value(Flags.Optimizer, "sgd", "How the new layer is trained: sgd (retrain.py's gradient descent), momentum (0.9), adam, or lbfgs (full-batch logistic regression; --how_many_training_steps is its most iterations) (CPU training only).").AcceptOnlyFromAmong("sgd", "momentum", "adam", "lbfgs");
    private static readonly Option<float> Dropout = Value(Flags.Dropout, 0f, "Share of bottleneck values dropped in each training batch, from 0 to below 1; 0 drops none (not with lbfgs).");
    private static readonly Option<string> ClassWeights = Value(Flags.ClassWeights, "none", "How each class weighs in the loss: none (retrain.py's) or balanced (n/(classes*n_c), so rare classes count as much as common ones) (CPU training only).").AcceptOnlyFromAmong("none", "balanced");
    private static readonly Option<float> LabelSmoothing = Value(Flags.LabelSmoothing, 0f, "Share of each training target spread over all classes, from 0 to below 1; 0 keeps one-hot targets (CPU training only).");
    private static readonly Option<int> EarlyStoppingPatience = Value(Flags.EarlyStoppingPatience, 0, "Stop when the validation cross entropy has not improved for this many evaluations (see --eval_step_interval) and keep the best evaluation's weights; 0 trains every step (CPU training only).");
    private static readonly Option<double> TestingPercentage = Value(Flags.TestingPercentage, Defaults.TestingPercentage, "What percentage of images to use as a test set.");
    private static readonly Option<double> ValidationPercentage = Value(Flags.ValidationPercentage, Defaults.ValidationPercentage, "What percentage of images to use as a validation set.");
    private static readonly Option<int> EvalStepInterval = Value(Flags.EvalStepInterval, Defaults.EvalStepInterval, "How often to evaluate the training results.");
    private static readonly Option<int> TrainBatchSize = Value(Flags.TrainBatchSize, Defaults.TrainBatchSize, "How many images to train on at a time.");
    private static readonly Option<int> TestBatchSize = Value(Flags.TestBatchSize, Defaults.TestBatchSize, "How many images to test on; -1 uses the entire test set.");
    private static readonly Option<int> ValidationBatchSize = Value(Flags.ValidationBatchSize, Defaults.ValidationBatchSize, "How many images to use in an evaluation batch; -1 uses the entire validation set.");
    private static readonly Option<bool> PrintMisclassified = new(Flags.PrintMisclassifiedTestImages) { Description = "Whether to print out a list of all misclassified test images." };
    private static readonly Option<string?> EvaluationJson = Value<string?>(Flags.EvaluationJson, null, "Where to write the final test evaluation (per-class precision, recall, F1, support; confusion matrix; top-1 and top-5 accuracy) as JSON. Default: none.");
    private static readonly Option<string?> ReportDir = Value<string?>(Flags.ReportDir, null, "Where to write an HTML report of the run (index.html with the training curves, confusion matrix, per-class table, dataset summary and misclassified photos, and its PNG plots), a new or empty folder or an earlier report. Default: none.");
    private static readonly Option<string> BottleneckDir = Value(Flags.BottleneckDir, Defaults.BottleneckDir, "Path to cache bottleneck layer values as files.");
    private static readonly Option<string> FinalTensorName = Value(Flags.FinalTensorName, Defaults.FinalTensorName, "The name of the output classification layer in the retrained graph.");
    private static readonly Option<bool> FlipLeftRight = new(Flags.FlipLeftRight) { Description = "Whether to randomly flip half of the training images horizontally." };
    private static readonly Option<int> RandomCrop = Value(Flags.RandomCrop, 0, "A percentage determining how much of a margin to randomly crop off the training images.");
    private static readonly Option<int> RandomScale = Value(Flags.RandomScale, 0, "A percentage determining how much to randomly scale up the size of the training images by.");
    private static readonly Option<int> RandomBrightness = Value(Flags.RandomBrightness, 0, "A percentage determining how much to randomly multiply the training image input pixels up or down by.");
    private static readonly Option<string?> TfhubModule = Value<string?>(Flags.TfhubModule, null, "The backbone: path to a frozen TensorFlow GraphDef (.pb), an ONNX model, a folder holding one, or a SavedModel (variables included) or TF Hub module folder; a model name (inception_v3, mobilenet_<version>_<size>[_quantized]) taken from the model cache and downloaded there once; or a TF Hub handle (https://tfhub.dev/...) taken from $TFHUB_CACHE_DIR (default <temp>/tfhub_modules) and downloaded there once. Default: inception_v3.");
    private static readonly Option<string?> SavedModelDir = Value<string?>(Flags.SavedModelDir, null, "Where to export the graph as a SavedModel for TensorFlow Serving (a new or empty folder).");
    private static readonly Option<int> IntermediateStoreFrequency = Value(Flags.IntermediateStoreFrequency, 0, "Save an intermediate graph every this many steps; 0 means never.");
    private static readonly Option<string> IntermediateOutputGraphsDir = Value(Flags.IntermediateOutputGraphsDir, Defaults.IntermediateOutputGraphsDir, "Where to save the intermediate graphs.");
    private static readonly Option<string> LoggingVerbosity = Value(Flags.LoggingVerbosity, "INFO", "How much of the logs to show.").AcceptOnlyFromAmong("DEBUG", "INFO", "WARN", "ERROR", "FATAL");
    private static readonly Option<string?> CheckpointPath = Value<string?>(Flags.CheckpointPath, null, "Where to save the training state; an existing checkpoint for the same images and model is resumed.");
    private static readonly Option<string?> Architecture = Value<string?>(Flags.Architecture, null, "Older retrain.py's model name (inception_v3, mobilenet_<version>_<size>[_quantized]); taken from the model cache, downloaded there once.");
    private static readonly Option<string?> ModelDir = Value<string?>(Flags.ModelDir, null, "Model cache folder that named models are downloaded into (older retrain.py's --model_dir); default $RETRAIN_HOME or ~/.cache/retrain.");
    private static readonly Option<int> RandomSeed = Value(Flags.RandomSeed, 0, "Seed for weight initialisation and batch sampling; the same seed gives the same result.");
    private static readonly Option<string?> OutputOnnx = Value<string?>(Flags.OutputOnnx, null, "Where to export the whole classifier (backbone + new layer) as one ONNX model.");
    private static readonly Option<int?> InferenceBatchSize = Value<int?>(Flags.InferenceBatchSize, null, "Images per backbone call while computing bottlenecks and distorted batches. Default: 16, or 64 with --device cuda.");
    private static readonly ModelFlags ModelDescription = new(Flags.BottleneckLayer, "Name of the backbone node whose output is the bottleneck.", "backbone");
    private static readonly Option<string?> RetrainPyBottleneckDir = Value<string?>(Flags.RetrainPyBottleneckDir, null, "A --bottleneck_dir retrain.py filled: images not in this cache take their vector from its .txt files instead of being computed.");
    private static readonly Option<string?> RetrainPyBottleneckSuffix = Value<string?>(Flags.RetrainPyBottleneckSuffix, null, "What follows the image name in those files' names, before .txt (e.g. _inception_v3); found from the files when left out.");
    private static readonly Option<bool> BottlenecksOnly = new(Flags.BottlenecksOnly) { Description = "Compute and cache the bottlenecks under --bottleneck_dir, then stop without training." };
    private static readonly Option<string?> Shard = Value<string?>(Flags.Shard, null, "With --bottlenecks_only: cache only shard INDEX/COUNT of the images (e.g. 0/4). Default: from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX and --shard_count; else all images.");
    private static readonly Option<int?> ShardCount = Value<int?>(Flags.ShardCount, null, "With --bottlenecks_only under a Kubernetes Indexed Job: how many shards (JOB_COMPLETION_INDEX gives only the index).");
    private static readonly Option<bool> ReducedScaleJpeg = new(Flags.ReducedScaleJpeg) { Description = "Decode JPEGs at least twice the input size at 1/2..1/8 scale: much faster on camera photos, vectors differ slightly from retrain.py's." };

    /// <summary>Logged on Ctrl+C or SIGTERM: the work a cancelled run keeps.</summary>
    public const string Cancelled = "Cancelled. Bottlenecks computed so far are kept in the cache and will be reused by the next run; with --checkpoint_path, so are the finished training steps.";

    public static PythonScriptCommand Create()
    {
        var command = new PythonScriptCommand(
            "Retrains the final layer of a frozen ImageNet network on a folder of labeled photos (TensorFlow retrain.py, in .NET).",
            "retrain.py",
            Flags.RetrainPy);
        foreach (var option in new Option[]
                 {
                     ImageDir, OutputGraph, OutputLabels, SummariesDir, Steps, LearningRate, L2Regularization, Optimizer, LabelSmoothing, EarlyStoppingPatience, Dropout, ClassWeights, TestingPercentage, ValidationPercentage,
                     EvalStepInterval, TrainBatchSize, TestBatchSize, ValidationBatchSize, PrintMisclassified, EvaluationJson, ReportDir, BottleneckDir,
                     FinalTensorName, FlipLeftRight, RandomCrop, RandomScale, RandomBrightness, TfhubModule, SavedModelDir,
                     IntermediateStoreFrequency, IntermediateOutputGraphsDir, LoggingVerbosity, CheckpointPath, Architecture, ModelDir,
                     RandomSeed, InferenceBatchSize, OutputOnnx, BottlenecksOnly, Shard, ShardCount,
                     ReducedScaleJpeg, RetrainPyBottleneckDir, RetrainPyBottleneckSuffix,
                 }.Concat(ModelDescription.All).Concat(AbslLoggingFlags.All))
        {
            command.Options.Add(option);
        }

        return FlagParsing.Apply(command);
    }

    public static ExitCode Execute(ParseResult p, ILogger log, TextWriter stdout, CancellationToken ct) =>
        Execute(p, log, null, stdout, ct);

    /// <param name="progress">A terminal's bar for the long stages; null = the engine's periodic log lines.</param>
    public static ExitCode Execute(ParseResult p, ILogger log, IProgressSink? progress, TextWriter stdout, CancellationToken ct)
    {
        var options = Bind(p, Environment.GetEnvironmentVariable);
        AbslLoggingFlags.WarnIfGiven(p, log);
        if (options.BottlenecksOnly)
        {
            RetrainEngine.CacheBottlenecks(options, log, ct, progress);
        }
        else
        {
            RetrainEngine.Run(options, log, ct, progress);
        }

        return ExitCode.Success;
    }

    public static LogEventLevel Verbosity(ParseResult p) => p.GetValue(LoggingVerbosity) switch
    {
        "DEBUG" => LogEventLevel.Debug,
        "WARN" => LogEventLevel.Warning,
        "ERROR" => LogEventLevel.Error,
        "FATAL" => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    /// <summary>The options the command line alone gives (no cluster variables).</summary>
    internal static RetrainOptions Bind(ParseResult p) => Bind(p, _ => null);

    /// <summary>The options the command line gives, with the shard from the cluster's variables (<paramref name="environment"/>).</summary>
    internal static RetrainOptions Bind(ParseResult p, Func<string, string?> environment) => new()
    {
        BottlenecksOnly = p.GetValue(BottlenecksOnly),
        Shard = ShardFlags.Resolve(p.GetValue(Shard), p.GetValue(ShardCount), p.GetValue(BottlenecksOnly), environment),
        ImageDir = p.GetRequiredValue(ImageDir),
        OutputGraph = p.GetRequiredValue(OutputGraph),
        OutputLabels = p.GetRequiredValue(OutputLabels),
        SummariesDir = p.GetValue(SummariesDir),
        HowManyTrainingSteps = p.GetValue(Steps),
        LearningRate = p.GetValue(LearningRate),
        L2Regularization = p.GetValue(L2Regularization),
        LabelSmoothing = p.GetValue(LabelSmoothing),
        EarlyStoppingPatience = p.GetValue(EarlyStoppingPatience),
        Dropout = p.GetValue(Dropout),
        ClassWeights = Enum.Parse<Retrain.Training.ClassWeighting>(p.GetValue(ClassWeights)!, ignoreCase: true),
        Optimizer = Enum.Parse<Retrain.Training.OptimizerKind>(p.GetValue(Optimizer)!, ignoreCase: true),
        TestingPercentage = p.GetValue(TestingPercentage),
        ValidationPercentage = p.GetValue(ValidationPercentage),
        EvalStepInterval = p.GetValue(EvalStepInterval),
        TrainBatchSize = p.GetValue(TrainBatchSize),
        TestBatchSize = p.GetValue(TestBatchSize),
        ValidationBatchSize = p.GetValue(ValidationBatchSize),
        PrintMisclassifiedTestImages = p.GetValue(PrintMisclassified),
        EvaluationJson = p.GetValue(EvaluationJson),
        ReportDir = p.GetValue(ReportDir),
        BottleneckDir = p.GetRequiredValue(BottleneckDir),
        FinalTensorName = p.GetRequiredValue(FinalTensorName),
        FlipLeftRight = p.GetValue(FlipLeftRight),
        RandomCrop = p.GetValue(RandomCrop),
        RandomScale = p.GetValue(RandomScale),
        RandomBrightness = p.GetValue(RandomBrightness),
        TfhubModule = p.GetValue(TfhubModule),
        SavedModelDir = p.GetValue(SavedModelDir),
        IntermediateStoreFrequency = p.GetValue(IntermediateStoreFrequency),
        IntermediateOutputGraphsDir = p.GetRequiredValue(IntermediateOutputGraphsDir),
        CheckpointPath = p.GetValue(CheckpointPath),
        OutputOnnx = p.GetValue(OutputOnnx),
        Architecture = p.GetValue(Architecture),
        ModelDir = p.GetValue(ModelDir),
        Model = ModelDescription.Overrides(p),
        Inference = ModelDescription.Inference(p),
        RandomSeed = p.GetValue(RandomSeed),
        InferenceBatchSize = p.GetValue(InferenceBatchSize),
        ReducedScaleJpeg = p.GetValue(ReducedScaleJpeg),
        RetrainPyBottleneckDir = p.GetValue(RetrainPyBottleneckDir),
        RetrainPyBottleneckSuffix = p.GetValue(RetrainPyBottleneckSuffix),
    };

    private static Option<T> Value<T>(string name, T defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };
}
