using Retrain.Bottlenecks;
using Retrain.Training;

namespace Retrain;

/// <summary>
/// What a retrain run produced: the trained layer and its test result (<see cref="TestResult.Probabilities"/> rows are
/// in <see cref="TestImages"/> order), and where the outputs went.
/// </summary>
public sealed record RetrainResult(
    IReadOnlyList<string> Labels,
    int TrainingImages,
    int ValidationImages,
    int TestingImages,
    int BottlenecksComputed,
    int BottlenecksReused,
    IReadOnlyList<ImageFailure> SkippedImages,
    TrainingResult Training,
    IReadOnlyList<string> TestImages,
    string OutputGraph,
    string OutputLabels,
    int BottlenecksImported = 0);
