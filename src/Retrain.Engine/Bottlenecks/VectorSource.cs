namespace Retrain.Bottlenecks;

/// <summary>Where an image's vector came from; a copy of another photo's content counts as its original did.</summary>
internal enum VectorSource : byte
{
    None,
    Computed,
    Reused,
    Imported,
}
