using Retrain.Bottlenecks;
using Retrain.Graphs;

namespace Retrain;

/// <summary>
/// What label-image found: the images it labelled, in the order given (none kept when each was handed to the caller
/// as it came), those it could not read (only when several were given: a single image that cannot be read is an
/// error), and how many it labelled.
/// </summary>
public sealed record LabelImageResult(ModelDescription Model, IReadOnlyList<ImageLabels> Images, IReadOnlyList<ImageFailure> Failures, int Labelled);
