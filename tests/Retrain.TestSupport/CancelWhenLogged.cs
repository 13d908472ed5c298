using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Retrain.Tests.TestSupport;

/// <summary>Cancels when a log message contains a text: a deterministic point inside a run to interrupt it at.</summary>
public sealed class CancelWhenLogged(string text, CancellationTokenSource cancellation) : ILogEventSink
{
    /// <summary>A logger that cancels <paramref name="cancellation"/> once a message containing <paramref name="text"/> is logged.</summary>
    public static ILogger Logger(string text, CancellationTokenSource cancellation) =>
        new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new CancelWhenLogged(text, cancellation)).CreateLogger();

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.RenderMessage().Contains(text, StringComparison.Ordinal))
        {
            cancellation.Cancel();
        }
    }
}
