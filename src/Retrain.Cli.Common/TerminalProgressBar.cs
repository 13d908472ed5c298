using System.Diagnostics;
using System.Globalization;
using Retrain.Progress;

namespace Retrain.Cli.Common;

/// <summary>
/// One live progress line on a terminal's stderr (what, bar, done of total, rate, time left), redrawn in place with
/// '\r' at most every <see cref="Interval"/>. Log lines go through <see cref="WriteAbove"/>, which clears the bar
/// first and redraws it after, so the two never interleave. Used only when stderr is a terminal: pipes, files and CI
/// keep the engine's periodic log lines.
/// </summary>
public sealed class TerminalProgressBar : IProgressSink
{
    /// <summary>Ten redraws a second: smooth to the eye, negligible cost on a 100k-image pass.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private const int BarWidth = 24;

    private readonly TextWriter _writer;
    private readonly Func<TimeSpan> _clock;
    private readonly Lock _gate = new();
    private string _what = string.Empty;
    private long _total;
    private ProgressUnit _unit;
    private long _done;
    private TimeSpan _started;
    private TimeSpan? _lastDraw;
    private bool _active;
    private int _drawnLength;

    /// <param name="clock">Time since any fixed point; tests pass their own to check rates and throttling.</param>
    public TerminalProgressBar(TextWriter writer, Func<TimeSpan>? clock = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }

        _clock = clock;
    }

    public void Start(string what, long total, ProgressUnit unit)
    {
        lock (_gate)
        {
            _what = what;
            _total = total;
            _unit = unit;
            _done = 0;
            _started = _clock();
            _active = true;
            Draw(_started);
        }
    }

    public void Advance(long done)
    {
        lock (_gate)
        {
            if (!_active)
            {
                return;
            }

            // Threads report concurrently: a late, smaller count never moves the bar back.
            _done = Math.Max(_done, done);
            var now = _clock();
            if (_lastDraw is { } last && now - last < Interval && _done < _total)
            {
                return;
            }

            Draw(now);
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            Clear();
            _active = false;
        }
    }

    /// <summary>Writes <paramref name="write"/>'s output (a log line) with the bar cleared, then redraws the bar.</summary>
    public void WriteAbove(Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_gate)
        {
            Clear();
            write();
            if (_active)
            {
                Draw(_clock());
            }
        }
    }

    /// <summary>The line for <paramref name="done"/> of the current stage, <paramref name="elapsed"/> after it started.</summary>
    internal string Render(long done, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var rate = seconds > 0 ? done / seconds : 0;
        var fraction = _total > 0 ? Math.Clamp((double)done / _total, 0, 1) : 0;
        var filled = (int)Math.Round(fraction * BarWidth);
        var bar = new string('#', filled) + new string('-', BarWidth - filled);
        var left = rate > 0 && done < _total ? Clock(TimeSpan.FromSeconds((_total - done) / rate)) : done >= _total ? "00:00:00" : "--:--:--";
        return _unit == ProgressUnit.Bytes
            ? string.Create(CultureInfo.InvariantCulture, $"{_what} [{bar}] {done / 1e6:0.0}/{_total / 1e6:0.0} MB {fraction * 100,5:0.0}% {rate / 1e6:0.0} MB/s {left} left")
            : string.Create(CultureInfo.InvariantCulture, $"{_what} [{bar}] {done}/{_total} {fraction * 100,5:0.0}% {rate:0.0} {Unit(_unit)}/s {left} left");
    }

    private static string Unit(ProgressUnit unit) => unit switch
    {
        ProgressUnit.Steps => "steps",
        _ => "images",
    };

    private static string Clock(TimeSpan t) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}");

    private void Draw(TimeSpan now)
    {
        var line = Render(_done, now - _started);

        // Padded over the previous line: a shorter line must not leave the end of a longer one behind.
        _writer.Write('\r');
        _writer.Write(line.PadRight(_drawnLength));
        _writer.Flush();
        _drawnLength = line.Length;
        _lastDraw = now;
    }

    private void Clear()
    {
        if (_drawnLength == 0)
        {
            return;
        }

        _writer.Write('\r');
        _writer.Write(new string(' ', _drawnLength));
        _writer.Write('\r');
        _writer.Flush();
        _drawnLength = 0;
    }
}
