using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Retrain.Cli.Common;

/// <summary>Writes log events to a given writer: lets tests (and embedders) capture exactly what a user sees on stderr.</summary>
internal sealed class TextWriterSink(TextWriter writer, string template) : ILogEventSink
{
    private readonly MessageTemplateTextFormatter _formatter = new(template, CultureInfo.InvariantCulture);
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
