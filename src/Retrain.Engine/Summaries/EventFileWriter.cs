using System.Globalization;
using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Summaries;

/// <summary>
/// One TensorBoard events file, as tf.summary.FileWriter writes it: <c>events.out.tfevents.&lt;unix time&gt;.&lt;host&gt;</c>
/// in the log folder, TFRecord-framed <see cref="Event"/> protos, the first one carrying file_version "brain.Event:2".
/// Unlike retrain's other outputs the file is appended while training runs (TensorBoard reads it live), so it is not
/// written atomically: records are handed to the OS at every <see cref="Flush"/>, and a killed run leaves a readable
/// prefix whose last record at worst is cut short, which TensorBoard's reader skips.
/// </summary>
internal sealed class EventFileWriter : IDisposable
{
    public const string FileVersion = "brain.Event:2";

    /// <summary>The names of the files this writer creates, as a file-system search pattern.</summary>
    public const string FilePattern = FileStem + "*";

    private const string FileStem = "events.out.tfevents.";

    private readonly TfRecordWriter _records;
    private readonly FileStream _stream;

    public EventFileWriter(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        var stem = string.Create(CultureInfo.InvariantCulture, $"{FileStem}{now.ToUnixTimeSeconds()}.{SafeHostName()}");
        try
        {
            Directory.CreateDirectory(folder);
            _stream = CreateUnique(System.IO.Path.Combine(folder, stem));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"Cannot create a TensorBoard events file in '{folder}': {e.Message} Choose a writable {Flags.SummariesDir}.",
                e);
        }

        Path = _stream.Name;
        _records = new TfRecordWriter(_stream);
        Write(new Event { WallTime = WallTime(now), FileVersion = FileVersion });
    }

    public string Path { get; }

    public void Write(Event e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Guard(() => _records.Write(e.ToByteArray()));
    }

    public void WriteSummary(long step, Summary summary) =>
        Write(new Event { WallTime = WallTime(DateTimeOffset.UtcNow), Step = step, Summary = summary });

    public void Flush() => Guard(_records.Flush);

    /// <summary>Flushes to disk (not just the OS) and closes the file.</summary>
    public void Dispose()
    {
        // Closing must not hide the error that ended the run (a full disk, say); what was flushed before stays readable.
        try
        {
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
        }

        try
        {
            _records.Dispose();
        }
        catch (IOException)
        {
        }
    }

    public static double WallTime(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot write TensorBoard events file '{Path}': {e.Message} Check free disk space.", e);
        }
    }

    // Two writers started in the same second (a resumed run right after the first) must not share a file: TensorBoard
    // reads every file whose name contains "tfevents", so a numeric suffix keeps both.
    private static FileStream CreateUnique(string stem)
    {
        for (var i = 0; ; i++)
        {
            var path = i == 0 ? stem : string.Create(CultureInfo.InvariantCulture, $"{stem}.{i}");
            if (File.Exists(path))
            {
                continue;
            }

            try
            {
                return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
            }
            catch (IOException) when (File.Exists(path) && i < 100)
            {
                // Lost a race with another writer for this name; try the next suffix.
            }
        }
    }

    private static string SafeHostName()
    {
        var host = Environment.MachineName;
        return string.IsNullOrWhiteSpace(host)
            ? "localhost"
            : new string(host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_').ToArray());
    }
}
