using Retrain.Training;

namespace Retrain;

/// <summary>The three parts the trainer reads, each owning its run of the vectors.</summary>
internal sealed record SplitParts(LabeledVectors Training, LabeledVectors Validation, LabeledVectors Testing);
