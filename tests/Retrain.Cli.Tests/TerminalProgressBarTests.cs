using System.CommandLine;
using Retrain.Cli.Common;
using Retrain.Errors;
using Retrain.Progress;
using Serilog.Events;
using Serilog.Parsing;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// The terminal's progress bar: what one line says (done of total, rate, time left), how often it is redrawn, and that
/// a log line clears it first. A hand-moved clock makes rates and throttling exact.
/// </summary>
public sealed class TerminalProgressBarTests
{
    private TimeSpan _now = TimeSpan.FromSeconds(100);

    [Fact]
    public void Line_SaysDoneOfTotal_Rate_AndTimeLeft()
    {
        using var writer = new StringWriter();
        var bar = Bar(writer);
        bar.Start("Bottlenecks", 1000, ProgressUnit.Images);
        _now += TimeSpan.FromSeconds(10);
        bar.Advance(250);

        // 250 images in 10 s = 25/s; 750 left = 30 s.
        Assert.EndsWith(
            "\rBottlenecks [######------------------] 250/1000  25.0% 25.0 images/s 00:00:30 left",
            writer.ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Line_ForBytes_SaysMegabytes_AndHoursPastADay()
    {
        using var writer = new StringWriter();
        var bar = Bar(writer);
        bar.Start("model.tgz", 100_000_000_000, ProgressUnit.Bytes);
        _now += TimeSpan.FromSeconds(100);
        bar.Advance(1_000_000_000);

        // 10 MB/s, 99,000 MB left = 9,900 s = 2:45:00.
        Assert.EndsWith("1000.0/100000.0 MB   1.0% 10.0 MB/s 02:45:00 left", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Line_BeforeAnyProgress_HasNoTimeLeft()
    {
        using var writer = new StringWriter();
        Bar(writer).Start("Bottlenecks", 10, ProgressUnit.Images);

        Assert.Equal("\rBottlenecks [------------------------] 0/10   0.0% 0.0 images/s --:--:-- left", writer.ToString());
    }

    [Fact]
    public void Redraws_AtMostTenTimesASecond_ButAlwaysTheLastStep()
    {
        using var writer = new StringWriter();
        var bar = Bar(writer);
        bar.Start("Bottlenecks", 100, ProgressUnit.Images);
        for (var done = 1; done <= 99; done++)
        {
            _now += TimeSpan.FromMilliseconds(10);
            bar.Advance(done);
        }

        // 99 steps over 0.99 s: a redraw every 100 ms (9), plus the first draw at Start.
        Assert.Equal(10, Draws(writer));
        bar.Advance(100);
        Assert.Equal(11, Draws(writer));
        Assert.Contains("100/100 100.0%", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SmallerLateCount_NeverMovesTheBarBack()
    {
        using var writer = new StringWriter();
        var bar = Bar(writer);
        bar.Start("Bottlenecks", 10, ProgressUnit.Images);
        _now += TimeSpan.FromSeconds(1);
        bar.Advance(8);
        _now += TimeSpan.FromSeconds(1);
        bar.Advance(7);

        Assert.Contains(" 8/10 ", writer.ToString()[writer.ToString().LastIndexOf('\r')..], StringComparison.Ordinal);
    }

    [Fact]
    public void LogLine_ClearsTheBarFirst_ThenTheBarIsRedrawnBelowIt()
    {
        using var writer = new StringWriter();
        var bar = Bar(writer);
        var sink = new ProgressBarSink(new TextWriterSink(writer, "{Message:lj}{NewLine}"), bar);
        bar.Start("Bottlenecks", 10, ProgressUnit.Images);
        var line = writer.ToString()[1..];
        writer.GetStringBuilder().Clear();

        sink.Emit(new LogEvent(DateTimeOffset.Now, LogEventLevel.Warning, null, new MessageTemplateParser().Parse("Skipped bad.jpg"), []));

        var blank = new string(' ', line.Length);
        Assert.Equal($"\r{blank}\rSkipped bad.jpg{Environment.NewLine}\r{line}", writer.ToString());
    }

    [Fact]
    public void Finish_ClearsTheLine_AndLaterLogLinesDrawNoBar()
    {
        using var writer = new StringWriter();
        var bar = Bar(writer);
        var sink = new ProgressBarSink(new TextWriterSink(writer, "{Message:lj}{NewLine}"), bar);
        bar.Start("Bottlenecks", 10, ProgressUnit.Images);
        bar.Finish();
        writer.GetStringBuilder().Clear();

        sink.Emit(new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, new MessageTemplateParser().Parse("Bottlenecks ready"), []));
        bar.Advance(5);

        Assert.Equal($"Bottlenecks ready{Environment.NewLine}", writer.ToString());
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    [InlineData(false, false, false)]
    public void Bar_OnlyWhenStderrIsTheConsole_AndATerminal(bool isConsole, bool redirected, bool bar) =>
        Assert.Equal(bar, CommandHost.ShowsBar(isConsole, redirected));

    [Fact]
    public void CommandWithCapturedStderr_GetsNoProgressSink_SoItsLogStaysAsItWas()
    {
        IProgressSink? given = new TerminalProgressBar(TextWriter.Null);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = CommandHost.Run(
            new RootCommand("test"),
            [],
            (CommandHost.ProgressBody)((_, _, progress, _, _) =>
            {
                given = progress;
                return ExitCode.Success;
            }),
            stdout: stdout,
            stderr: stderr);

        Assert.Equal(0, code);
        Assert.Null(given);
        Assert.DoesNotContain("\r", stderr.ToString(), StringComparison.Ordinal);
    }

    private static int Draws(StringWriter writer) => writer.ToString().Count(c => c == '\r');

    private TerminalProgressBar Bar(TextWriter writer) => new(writer, () => _now);
}
