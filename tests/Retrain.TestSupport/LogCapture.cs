using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Retrain.Tests.TestSupport;

/// <summary>A Serilog logger that keeps every event, so tests can check what the engine reported.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    public LogCapture()
    {
        Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();
    }

    public ILogger Logger { get; }

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToArray();
            }
        }
    }

    public IEnumerable<string> Messages(LogEventLevel level) =>
        Events.Where(e => e.Level == level).Select(e => e.RenderMessage());

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
        {
            _events.Add(logEvent);
        }
    }
}
