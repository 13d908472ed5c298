namespace Retrain.Progress;

/// <summary>
/// Where a long stage reports how far it is, besides the log: the CLI draws a bar on a terminal with it. The engine
/// never draws anything itself; with no sink (the default) it logs its periodic progress lines as it always did.
/// Implementations are called from several threads (decoders and the model's thread) and must be thread-safe.
/// </summary>
public interface IProgressSink
{
    /// <summary>A stage begins: <paramref name="what"/> (e.g. "Bottlenecks"), out of <paramref name="total"/> <paramref name="unit"/>.</summary>
    void Start(string what, long total, ProgressUnit unit);

    /// <summary><paramref name="done"/> of the total are done so far (not an increment).</summary>
    void Advance(long done);

    /// <summary>The stage ended (done, failed or cancelled): the bar goes away, the summary log line follows.</summary>
    void Finish();
}
