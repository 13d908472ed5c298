using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// Issue 5, bad models: every unusable backbone stops <see cref="RetrainEngine.Run"/> with a BadModel error naming
/// the file, the node or the flag to fix, before any bottleneck is computed or any output written.
/// </summary>
public sealed class RetrainEngineBadModelTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;

    public RetrainEngineBadModelTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 4, classes: ["blue", "red"]);
    }

    public void Dispose() => _work.Dispose();

    private RetrainException Fails(string model, ModelOverrides? overrides = null)
    {
        var options = TinyRuns.Options(_work.Path, _imageDir, model) with { Model = overrides ?? TinyBackbone.Overrides };
        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.False(File.Exists(options.OutputGraph));
        Assert.False(File.Exists(options.OutputLabels));
        Assert.Empty(Directory.GetFiles(options.BottleneckDir, "*.bnp", SearchOption.AllDirectories));
        return error;
    }

    [Fact]
    public void TruncatedGraphDef_IsReportedAsNotAGraphDef()
    {
        var bytes = TinyBackbone.Graph().ToByteArray();
        var model = Path.Combine(_work.Path, "truncated.pb");
        File.WriteAllBytes(model, bytes[..(bytes.Length - 7)]);

        var error = Fails(model);

        Assert.Contains($"Model file '{model}' is not a TensorFlow GraphDef", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("random")]
    public void NonProtobufFile_IsReportedAsNotAGraphDef(string kind)
    {
        var model = Path.Combine(_work.Path, "model.pb");
        var bytes = new byte[2000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(model, kind == "text" ? "<html><body>404 Not Found</body></html>\n"u8.ToArray() : bytes);

        var error = Fails(model);

        Assert.Contains($"Model file '{model}' is not a TensorFlow GraphDef", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputAndBottleneckOfOneNode_SaysSo()
    {
        var model = TinyBackbone.Write(_work.Path);

        var error = Fails(model, TinyBackbone.Overrides with { InputNode = TinyBackbone.BottleneckNode, InputHeight = TinyBackbone.Size, InputWidth = TinyBackbone.Size });

        Assert.Contains($"The input and the output node of '{model}' are both 'bottleneck'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnnxFileOnnxRuntimeCannotLoad_NamesTheFile()
    {
        var model = Path.Combine(_work.Path, "broken.onnx");
        File.WriteAllBytes(model, [0x08, 0x07, 0x12, 0xff, 0xff, 0x01, 0x02]);

        var error = Fails(model);

        Assert.Contains($"ONNX Runtime cannot load the model '{model}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspelledInputNode_NamesTheFlagAndTheClosestNodes()
    {
        var model = TinyBackbone.Write(_work.Path);

        var error = Fails(model, TinyBackbone.Overrides with { InputNode = "inptu" });

        Assert.Contains("'inptu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(model, error.Message, StringComparison.Ordinal);
        Assert.Contains("--input_layer", error.Message, StringComparison.Ordinal);
        Assert.Contains("Closest names: input", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspelledBottleneckNode_NamesTheFlagAndTheClosestNodes()
    {
        var model = TinyBackbone.Write(_work.Path);

        var error = Fails(model, TinyBackbone.Overrides with { OutputNode = "botleneck" });

        Assert.Contains("'botleneck'", error.Message, StringComparison.Ordinal);
        Assert.Contains(model, error.Message, StringComparison.Ordinal);
        Assert.Contains("--bottleneck_layer", error.Message, StringComparison.Ordinal);
        Assert.Contains("Closest names: bottleneck", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedOp_NamesTheOpAndTheNode()
    {
        var g = TinyBackbone.Build();
        g.Graph.Node.Single(n => n.Name == TinyBackbone.BottleneckNode).Input[0] = "weird";
        g.Op("Erf", "weird", ["relu"]);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "unsupported.pb");

        var error = Fails(model);

        Assert.Contains("Unsupported TensorFlow op 'Erf' at node 'weird'", error.Message, StringComparison.Ordinal);
        Assert.Contains(model, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputHeightContradictingTheGraph_NamesTheShapeAndTheFlags()
    {
        var error = Fails(TinyBackbone.Write(_work.Path), TinyBackbone.Overrides with { InputHeight = 16 });

        Assert.Contains("[8,8,3]", error.Message, StringComparison.Ordinal);
        Assert.Contains("16x8", error.Message, StringComparison.Ordinal);
        Assert.Contains("--input_height", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BottleneckThatIsNotAVector_IsABadModelErrorBeforeAnyBottleneck()
    {
        // "relu" is the 4-D feature map [N,8,8,6] before the pooling: retrain.py would have failed much later.
        var model = TinyBackbone.Write(_work.Path);

        var error = Fails(model, TinyBackbone.Overrides with { OutputNode = "relu" });

        Assert.Contains("'relu'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[-1,8,8,6]", error.Message, StringComparison.Ordinal);
        Assert.Contains("--bottleneck_layer", error.Message, StringComparison.Ordinal);
        Assert.Contains(model, error.Message, StringComparison.Ordinal);
    }
}
