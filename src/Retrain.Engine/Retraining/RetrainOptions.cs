using Retrain.Outputs;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Models;

namespace Retrain;

/// <summary>
/// Everything `retrain` was asked to do: retrain.py's flags with their defaults, plus this tool's own
/// (<see cref="RandomSeed"/>, the model description overrides). Immutable; the CLI builds it.
/// </summary>
public sealed partial record RetrainOptions
{
    public required string ImageDir { get; init; }

    public string OutputGraph { get; init; } = DefaultPaths.InTemp("output_graph.pb");

    public string OutputLabels { get; init; } = DefaultPaths.InTemp("output_labels.txt");

    /// <summary>TensorBoard log folder; null (the default here, unlike retrain.py's /tmp/retrain_logs) writes no summaries.</summary>
    public string? SummariesDir { get; init; }

    public int HowManyTrainingSteps { get; init; } = 4000;

    public float LearningRate { get; init; } = 0.01f;

    /// <summary>
    /// Strength of an L2 penalty on the new layer's weights; 0 (retrain.py's training) adds none. Null (not given) is 0,
    /// except for <see cref="Training.OptimizerKind.Lbfgs"/>, which then picks it by cross-validation.
    /// </summary>
    public float? L2Regularization { get; init; }

    /// <summary>The share of bottleneck values dropped in each training batch; 0 (retrain.py's) drops none.</summary>
    public float Dropout { get; init; }

    /// <summary>How each class's rows weigh in the loss; <see cref="Training.ClassWeighting.None"/> is retrain.py's.</summary>
    public Training.ClassWeighting ClassWeights { get; init; }

    /// <summary>The share of each training target spread over all classes; 0 (retrain.py's) keeps one-hot targets.</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Evaluations without a better validation cross-entropy before training stops; 0 (retrain.py's) is off.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>The final layer's update rule; <see cref="Training.OptimizerKind.Sgd"/> is retrain.py's.</summary>
    public Training.OptimizerKind Optimizer { get; init; }

    public double TestingPercentage { get; init; } = 10;

    public double ValidationPercentage { get; init; } = 10;

    public int EvalStepInterval { get; init; } = 10;

    public int TrainBatchSize { get; init; } = 100;

    public int TestBatchSize { get; init; } = -1;

    public int ValidationBatchSize { get; init; } = 100;

    public bool PrintMisclassifiedTestImages { get; init; }

    /// <summary>Where to write the final evaluation (per-class metrics, confusion matrix, top-k) as JSON. Null = none.</summary>
    public string? EvaluationJson { get; init; }

    /// <summary>Where to write the HTML report (curves, confusion matrix, dataset, misclassified photos). Null = none.</summary>
    public string? ReportDir { get; init; }

    public string BottleneckDir { get; init; } = DefaultPaths.InTemp("bottleneck");

    /// <summary>
    /// A --bottleneck_dir retrain.py filled: images the cache lacks take their vector from its text files
    /// (<see cref="Bottlenecks.RetrainPyBottlenecks"/>) instead of being computed. Null = compute them.
    /// </summary>
    public string? RetrainPyBottleneckDir { get; init; }

    /// <summary>The file name suffix of <see cref="RetrainPyBottleneckDir"/>'s files (e.g. "_inception_v3"); null = find it.</summary>
    public string? RetrainPyBottleneckSuffix { get; init; }

    public string FinalTensorName { get; init; } = "final_result";

    public bool FlipLeftRight { get; init; }

    public int RandomCrop { get; init; }

    public int RandomScale { get; init; }

    public int RandomBrightness { get; init; }

    /// <summary>Path of a frozen GraphDef or ONNX model, a folder holding one, or a catalogue name (inception_v3, mobilenet_...).</summary>
    public string? TfhubModule { get; init; }

    /// <summary>The older retrain.py's `--architecture` (inception_v3, mobilenet_&lt;size&gt;_&lt;res&gt;[_quantized]).</summary>
    public string? Architecture { get; init; }

    public string? ModelDir { get; init; }

    /// <summary>Where catalogue models are downloaded from and the stall timeout; null reads the environment.</summary>
    public ModelDownloadSettings? ModelDownload { get; init; }

    public string? SavedModelDir { get; init; }

    public int IntermediateStoreFrequency { get; init; }

    public string IntermediateOutputGraphsDir { get; init; } = DefaultPaths.InTemp("intermediate_graph");

    /// <summary>Where to save the training state, and resume it from when it exists (null: no checkpoint).</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Where to export the whole classifier as one ONNX model (null: no ONNX export).</summary>
    public string? OutputOnnx { get; init; }

    public ModelOverrides Model { get; init; } = new();

    public InferenceSettings Inference { get; init; } = new();

    public int RandomSeed { get; init; }

    /// <summary>The largest <see cref="InferenceBatchSize"/>: 1,024 Inception images are about 1 GB of input per batch,
    /// and the pipeline holds three batches (two queued, one running); batches past 32 run no faster.</summary>
    public const int MaxInferenceBatchSize = 1024;

    /// <summary>
    /// Images per inference call while computing bottlenecks and distorted batches (capped at what the graph allows);
    /// null leaves it to the device (<see cref="EffectiveInferenceBatchSize"/>).
    /// </summary>
    public int? InferenceBatchSize { get; init; }

    /// <summary>
    /// <see cref="InferenceBatchSize"/>, or where it is null the device's default: 16 on the CPU (what retrain has
    /// always used there), 64 on a GPU, which needs larger batches to keep busy (docs/gpu.md).
    /// </summary>
    public int EffectiveInferenceBatchSize => InferenceBatchSize ?? Inference.Device.DefaultInferenceBatchSize;

    /// <summary>
    /// Decode JPEGs at least twice the input size at 1/2..1/8 scale (<see cref="Images.ImageDecodeOptions.ReducedScaleJpeg"/>):
    /// several times faster on camera photos, but the vectors differ slightly from retrain.py's, so they get their own
    /// cache folder.
    /// </summary>
    public bool ReducedScaleJpeg { get; init; }

    /// <summary>Compute and cache the bottlenecks, then stop: run by <see cref="RetrainEngine.CacheBottlenecks"/>.</summary>
    public bool BottlenecksOnly { get; init; }

    /// <summary>With <see cref="BottlenecksOnly"/>: cache only this shard's images (null: all of them).</summary>
    public Data.Shard? Shard { get; init; }
}
