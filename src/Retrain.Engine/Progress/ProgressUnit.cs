namespace Retrain.Progress;

/// <summary>What a stage counts, so that a bar writes "images/s" or "MB/s".</summary>
public enum ProgressUnit
{
    Images,
    Steps,
    Bytes,
}
