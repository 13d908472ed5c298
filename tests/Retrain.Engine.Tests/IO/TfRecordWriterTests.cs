using Retrain.IO;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.IO;

public class TfRecordWriterTests
{
    [Fact]
    public void Write_FramesEachRecordAsTfRecord_ReadBackByTheIndependentReader()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "records");
        byte[][] records = [[], "abc"u8.ToArray(), Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray()];

        using (var writer = new TfRecordWriter(File.Create(path)))
        {
            foreach (var record in records)
            {
                writer.Write(record);
            }
        }

        Assert.Equal(records.Sum(r => 16 + r.Length), new FileInfo(path).Length);
        Assert.Equal(records, TfEventsReader.ReadRecords(path));
    }

    [Fact]
    public void IndependentCrc_MatchesTheCrc32CCheckValue()
    {
        // The standard CRC-32C check value ("123456789" -> 0xE3069283) pins the test reader's own implementation.
        Assert.Equal(0xE3069283u, TfEventsReader.Crc32CBitwise("123456789"u8));
    }
}
