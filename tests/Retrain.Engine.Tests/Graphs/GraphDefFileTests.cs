using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

public sealed class GraphDefFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("retrain-graphdef-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_MissingFile_IsBadModelNamingTheFile()
    {
        var path = Path.Combine(_folder, "missing.pb");
        var error = Assert.Throws<RetrainException>(() => GraphDefFile.Load(path));
        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_TruncatedGraph_IsBadModelNamingTheFile()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("models/mobilenet_v1_0.25_128/quantized_graph.pb"));
        var path = Path.Combine(_folder, "truncated.pb");
        File.WriteAllBytes(path, bytes.AsSpan(0, (bytes.Length / 2) + 3).ToArray());

        var error = Assert.Throws<RetrainException>(() => GraphDefFile.Load(path));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains(path, error.Message);
        Assert.Contains("not a TensorFlow GraphDef", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Load_RandomBytes_IsBadModelNamingTheFile(int seed)
    {
        var bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(_folder, $"random{seed}.pb");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<RetrainException>(() => GraphDefFile.Load(path));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_EmptyFile_HasNoNodes()
    {
        var path = Path.Combine(_folder, "empty.pb");
        File.WriteAllBytes(path, []);
        var error = Assert.Throws<RetrainException>(() => GraphDefFile.Load(path));
        Assert.Contains("no nodes", error.Message);
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsAndLeavesNoTemporaryFile()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2);
        g.Const("c", [1f, 2f], 2);
        g.Op("Add", "out", ["x", "c"]);
        var path = Path.Combine(_folder, "graph.pb");
        File.WriteAllText(path, "old contents");

        GraphDefFile.Save(g.Graph, path);

        Assert.Equal(g.Graph, GraphDefFile.Load(path));
        Assert.Equal(["graph.pb"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_WhereAFileStandsForTheFolder_IsIoError()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1);
        var blocker = Path.Combine(_folder, "not-a-folder");
        File.WriteAllText(blocker, "x");
        var path = Path.Combine(blocker, "graph.pb");
        var error = Assert.Throws<RetrainException>(() => GraphDefFile.Save(g.Graph, path));
        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Save_IntoMissingFolders_CreatesThem()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1);
        var path = Path.Combine(_folder, "new", "folder", "graph.pb");

        GraphDefFile.Save(g.Graph, path);

        Assert.Equal("x", GraphDefFile.Load(path).Node.Single().Name);
    }
}
