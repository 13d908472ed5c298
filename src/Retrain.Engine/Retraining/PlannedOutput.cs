namespace Retrain;

/// <summary>A requested output and its path.</summary>
internal sealed record PlannedOutput(OutputSpec Spec, string Path)
{
    public string Flag => Spec.Flag;
}
