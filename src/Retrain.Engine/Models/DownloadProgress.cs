using System.Diagnostics;
using System.Globalization;
using Retrain.Progress;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// Logs a download's progress (bytes, percentage when the size is known, rate) at most every two seconds, like the
/// rest of the engine's progress, instead of retrain.py's per-block "\r&gt;&gt; Downloading ... 12.3%" on stdout.
/// With an <see cref="IProgressSink"/> (a terminal's bar) the sink gets every block instead of the periodic lines.
/// </summary>
internal sealed class DownloadProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly string _fileName;
    private readonly long? _total;
    private readonly ILogger _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IProgressSink? _sink;
    private TimeSpan _lastReport;
    private bool _finished;

    public DownloadProgress(string fileName, long? total, ILogger log, IProgressSink? sink = null)
    {
        _fileName = fileName;
        _total = total;
        _log = log;
        _sink = sink;
        sink?.Start(fileName, total ?? 0, ProgressUnit.Bytes);
    }

    public void Report(long received)
    {
        if (_sink is not null)
        {
            _sink.Advance(received);
            return;
        }

        var now = _clock.Elapsed;
        if (now - _lastReport < Interval)
        {
            return;
        }

        _lastReport = now;
        var rate = Megabytes(received / Math.Max(now.TotalSeconds, 1e-3));
        if (_total is { } total && total > 0)
        {
            _log.Information(
                "Downloading {File}: {Received} of {Total} MB ({Percent}%), {Rate} MB/s",
                _fileName,
                Megabytes(received),
                Megabytes(total),
                (100.0 * received / total).ToString("0.0", CultureInfo.InvariantCulture),
                rate);
        }
        else
        {
            _log.Information("Downloading {File}: {Received} MB, {Rate} MB/s", _fileName, Megabytes(received), rate);
        }
    }

    public void Completed(long received)
    {
        Finish();
        _log.Information(
            "Downloaded {File}: {Bytes} bytes in {Seconds} s",
            _fileName,
            received,
            _clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
    }

    /// <summary>Ends the sink's bar once, whether the download completed or failed.</summary>
    public void Finish()
    {
        if (!_finished)
        {
            _finished = true;
            _sink?.Finish();
        }
    }

    private static string Megabytes(double bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
}
