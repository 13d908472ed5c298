using Serilog.Core;
using Serilog.Events;

namespace Retrain.Cli.Common;

/// <summary>Wraps the stderr log sink so that each log line clears the <see cref="TerminalProgressBar"/> first.</summary>
internal sealed class ProgressBarSink(ILogEventSink inner, TerminalProgressBar bar) : ILogEventSink, IDisposable
{
    public void Emit(LogEvent logEvent) => bar.WriteAbove(() => inner.Emit(logEvent));

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
