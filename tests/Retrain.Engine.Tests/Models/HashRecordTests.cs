using Retrain.Errors;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Models;

public sealed class HashRecordTests
{
    [Fact]
    public void WrittenRecord_ReadsBack_InSha256sumFormat()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "m.sha256");
        var a = new string('a', 64);
        var b = new string('b', 64);

        HashRecord.Write(path, [("m.tgz", a), ("m/graph.pb", b)]);
        var record = HashRecord.Read(path);

        Assert.Equal($"{a}  m.tgz\n{b}  m/graph.pb\n", File.ReadAllText(path));
        Assert.Equal(a, record.HashOf("m.tgz"));
        Assert.Equal(b, record.HashOf("m/graph.pb"));
        Assert.Null(record.HashOf("other"));
    }

    [Fact]
    public void MissingRecord_IsEmpty()
    {
        using var temp = new TempFolder();

        Assert.True(HashRecord.Read(Path.Combine(temp.Path, "none.sha256")).IsEmpty);
    }

    [Fact]
    public void DamagedRecord_SaysToDeleteIt()
    {
        using var temp = new TempFolder();
        var path = temp.File("m.sha256", "not a hash line\n");

        var e = Assert.Throws<RetrainException>(() => HashRecord.Read(path));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("Delete it", e.Message, StringComparison.Ordinal);
    }
}
