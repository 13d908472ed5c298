using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace Retrain.Benchmarks;

/// <summary>The engine's log lines on stderr, so a long benchmark step shows its progress beside the figures on stdout.</summary>
internal sealed class StderrLogSink : ILogEventSink
{
    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        Console.Error.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {logEvent.RenderMessage(CultureInfo.InvariantCulture)}");
    }
}
