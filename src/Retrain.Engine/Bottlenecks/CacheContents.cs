namespace Retrain.Bottlenecks;

/// <summary>Every pack of one model folder as <see cref="BottleneckCache.Inspect"/> found it.</summary>
internal sealed class CacheContents
{
    public List<string> Packs { get; } = [];

    /// <summary>Keys of records whose header and payload checksums hold (an image computed twice appears twice).</summary>
    public List<string> IntactKeys { get; } = [];

    /// <summary>Keys of records with an intact header but a damaged vector.</summary>
    public List<string> DamagedKeys { get; } = [];

    /// <summary>Bytes in no record with an intact header: a torn final record of a killed run, or garbage.</summary>
    public long UnreadBytes { get; set; }
}
