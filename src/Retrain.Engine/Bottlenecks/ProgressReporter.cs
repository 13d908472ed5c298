using System.Diagnostics;
using System.Globalization;
using Retrain.Progress;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// Logs progress at most every <c>interval</c>, so 100k images give a readable log with a rate and an ETA. With a
/// <see cref="IProgressSink"/> (a terminal's bar) the sink gets every step instead of the periodic lines; the summary
/// line at the end is logged either way.
/// </summary>
internal sealed class ProgressReporter
{
    private readonly ILogger _log;
    private readonly int _total;
    private readonly TimeSpan _interval;
    private readonly IProgressSink? _sink;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan _lastReport = TimeSpan.Zero;

    public ProgressReporter(ILogger log, int total, TimeSpan interval, IProgressSink? sink = null)
    {
        this._log = log;
        this._total = total;
        this._interval = interval;
        this._sink = sink;
        sink?.Start("Bottlenecks", total, ProgressUnit.Images);
    }

    /// <summary>
    /// Called by the model's thread after each batch and by the decoders after each vector they found without the
    /// model (cache, retrain.py's files), so a run that computes nothing still shows progress.
    /// </summary>
    public void Report(BuildState state)
    {
        if (_sink is not null)
        {
            _sink.Advance(state.Done);
            return;
        }

        var now = _clock.Elapsed;
        lock (_gate)
        {
            if (now - _lastReport < _interval)
            {
                return;
            }

            _lastReport = now;
        }

        var seconds = Math.Max(now.TotalSeconds, 1e-3);
        var rate = state.Computed / seconds;
        var remaining = _total - state.Done;

        // Once the model runs, time left assumes the rest needs it too (a resumed run finds its cached vectors
        // fast, then computes); before, the pace of the vectors found so far (cache, retrain.py's files).
        var pace = state.Computed > 0 ? rate : state.Done / seconds;
        var eta = pace > 0 ? TimeSpan.FromSeconds(remaining / pace) : TimeSpan.Zero;
        _log.Information(
            "Bottlenecks: {Done}/{Total} ({Reused} from cache{Imported:l}, {Rate:0.0} images/s, about {Eta:hh\\:mm\\:ss} left)",
            state.Done,
            _total,
            state.Reused,
            ImportedPart(state, "from retrain.py's files"),
            rate,
            eta);
    }

    public void Finish(BuildState state)
    {
        _sink?.Finish();
        var seconds = _clock.Elapsed.TotalSeconds;

        _log.Information(
            "Bottlenecks ready: {Computed} computed, {Reused} reused from cache{Imported:l}, {Failed} skipped, in {Seconds:0.0} s ({Rate:0.0} images/s computed)",
            state.Computed,
            state.Reused,
            ImportedPart(state, "taken from retrain.py's files"),
            state.Failures.Count,
            seconds,
            state.Computed / Math.Max(seconds, 1e-3));
    }

    // Named only when used, so the lines of every other run stay as they always were.
    private static string ImportedPart(BuildState state, string what) =>
        state.Imported > 0 ? string.Create(CultureInfo.InvariantCulture, $", {state.Imported} {what}") : string.Empty;
}
