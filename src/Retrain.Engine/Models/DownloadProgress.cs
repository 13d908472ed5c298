using System.Diagnostics;
using System.Globalization;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// Logs a download's progress (bytes, percentage when the size is known, rate) at most every two seconds, like the
/// rest of the engine's progress, instead of retrain.py's per-block "\r&gt;&gt; Downloading ... 12.3%" on stdout.
/// </summary>
internal sealed class DownloadProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly string _fileName;
    private readonly long? _total;
    private readonly ILogger _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastReport;

    public DownloadProgress(string fileName, long? total, ILogger log)
    {
        _fileName = fileName;
        _total = total;
        _log = log;
    }

    public void Report(long received)
    {
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

    public void Completed(long received) =>
        _log.Information(
            "Downloaded {File}: {Bytes} bytes in {Seconds} s",
            _fileName,
            received,
            _clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));

    private static string Megabytes(double bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
}
