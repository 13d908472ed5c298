using System.Text;
using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 8: graphs that parse but cannot be used (two nodes of one name, an input too large to feed, a
/// retrained graph whose recorded preprocessing divides by zero, a constant whose element count overflows) stop both
/// commands with BadModel naming the file and the node or field, before any output is written; never with a crash.
/// </summary>
public sealed class BadGraphTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly string _image;

    public BadGraphTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 4, classes: ["blue", "red"]);
        _image = _work.Write("photo.png", TinyDataset.Image("red", seed: 3));
    }

    public void Dispose() => _work.Dispose();

    [Fact]
    public void TwoNodesOfOneName_RetrainRefusesTheGraphNamingTheNodeAndTheFile()
    {
        var g = TinyBackbone.Build();
        g.Const("conv/bias", [-0.5f, -0.5f, -0.5f, 0.5f, 0.5f, 0.5f], TinyBackbone.BottleneckLength);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "duplicate.pb");

        var error = RetrainFails(model);

        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("two nodes named 'conv/bias'", error.Message, StringComparison.Ordinal);
        Assert.Contains("re-export", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoNodesOfOneName_LabelImageRefusesTheGraph()
    {
        var g = Classifier();
        g.Op("Relu", "relu", ["conv/add"]);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "duplicate.pb");

        var error = LabelImageFails(model);

        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("two nodes named 'relu'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugePlaceholder_RetrainRefusesItNamingTheNodeShapeAndFile()
    {
        var model = TinyBackbone.Write(HugeInput().Graph, _work.Path, "huge.pb");

        var error = RetrainFails(model);

        AssertNamesTheHugeInput(error, model);
    }

    [Fact]
    public void HugePlaceholder_LabelImageRefusesIt()
    {
        var g = HugeInput();
        g.Op("Softmax", LabelImageEngine.DefaultOutputLayer, [TinyBackbone.BottleneckNode]);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "huge.pb");

        var error = LabelImageFails(model);

        AssertNamesTheHugeInput(error, model);
    }

    [Theory]
    [InlineData("InputStd", "0", "--input_std")]
    [InlineData("InputHeight", "0", "--input_height")]
    [InlineData("InputWidth", "-3", "--input_width")]
    public void RecordedPreprocessingThatCannotBeFed_LabelImageNamesTheFileAndTheField(string field, string value, string flag)
    {
        var model = TinyBackbone.Write(Classifier(ModelInfo(field, value)).Graph, _work.Path, "output_graph.pb");

        var error = LabelImageFails(model);

        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{ModelRecognizer.ModelInfoNode}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{field} {value}", error.Message, StringComparison.Ordinal);
        Assert.Contains(flag, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordedStdOfZero_OverriddenByTheFlag_IsUsed()
    {
        var model = TinyBackbone.Write(Classifier(ModelInfo("InputStd", "0")).Graph, _work.Path, "output_graph.pb");

        var result = LabelImageEngine.Run(
            new LabelImageOptions { Graph = model, Images = [_image], Model = new ModelOverrides(InputStd: 255f) },
            new LogCapture().Logger,
            CancellationToken.None);

        Assert.Equal(255f, result.Model.InputStd);
        Assert.Single(result.Images);
    }

    [Fact]
    public void ConstWhoseElementCountOverflows64Bits_IsRefusedNamingTheNodeAndTheFile()
    {
        var g = TinyBackbone.Build();
        var huge = new NodeDef { Name = "offset", Op = "Const" };
        huge.Attr["dtype"] = new AttrValue { Type = DataType.DtFloat };
        huge.Attr["value"] = new AttrValue
        {
            // 2^32 x 2^32 x 6 values: the count wraps to 0 in 64 bits, which the empty content would match.
            Tensor = new TensorProto { Dtype = DataType.DtFloat, TensorShape = TensorProtos.ShapeProto([1L << 32, 1L << 32, 6]) },
        };
        g.Graph.Node.Add(huge);
        g.Op("Add", "shifted", [TinyBackbone.BottleneckNode, "offset"]);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "overflow.pb");

        var error = RetrainFails(model, TinyBackbone.Overrides with { OutputNode = "shifted" });

        Assert.Contains("node 'offset' (op Const)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[4294967296,4294967296,6]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReshapeTargetWhoseCountOverflows64Bits_IsRefusedNamingTheNode()
    {
        var g = TinyBackbone.Build();
        var target = new NodeDef { Name = "reshaped/shape", Op = "Const" };
        target.Attr["dtype"] = new AttrValue { Type = DataType.DtInt64 };
        var values = new TensorProto { Dtype = DataType.DtInt64, TensorShape = TensorProtos.ShapeProto([3L]) };

        // (2^63 + 3) x 2 wraps to 6 in 64 bits: the 6 values per image the bottleneck has.
        values.Int64Val.AddRange([-1, unchecked((long)((1UL << 63) + 3)), 2]);
        target.Attr["value"] = new AttrValue { Tensor = values };
        g.Graph.Node.Add(target);
        g.Op("Reshape", "reshaped", [TinyBackbone.BottleneckNode, "reshaped/shape"]);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "reshape.pb");

        var error = RetrainFails(model, TinyBackbone.Overrides with { OutputNode = "reshaped" });

        Assert.Contains("node 'reshaped' (op Reshape)", error.Message, StringComparison.Ordinal);
        Assert.Contains("64 bits", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConstantsBroadcastToMoreValuesThanAnArrayHolds_AreRefusedNamingTheNode()
    {
        var g = TinyBackbone.Build();
        g.Const("row", new float[50_000], 1, 50_000);
        g.Const("column", new float[50_000], 50_000, 1);
        g.Op("Add", "grid", ["row", "column"]);
        g.IntConst("grid/axes", [0, 1], 2);
        g.Op("Sum", "grid/sum", ["grid", "grid/axes"], Bool("keep_dims", false));
        g.Op("Add", "shifted", [TinyBackbone.BottleneckNode, "grid/sum"]);
        var model = TinyBackbone.Write(g.Graph, _work.Path, "broadcast.pb");

        var error = RetrainFails(model, TinyBackbone.Overrides with { OutputNode = "shifted" });

        Assert.Contains("node 'grid' (op Add)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
    }

    private static TfGraphBuilder HugeInput()
    {
        var g = new TfGraphBuilder();
        g.Placeholder(TinyBackbone.InputNode, -1, 100_000, 100_000, 3);
        g.IntConst("pool/axes", [1, 2], 2);
        g.Op("Mean", TinyBackbone.BottleneckNode, [TinyBackbone.InputNode, "pool/axes"], Bool("keep_dims", false));
        return g;
    }

    private static void AssertNamesTheHugeInput(RetrainException error, string model)
    {
        Assert.Contains($"'{model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("node 'input'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[-1,100000,100000,3]", error.Message, StringComparison.Ordinal);
        Assert.Contains("16384x16384", error.Message, StringComparison.Ordinal);
    }

    /// <summary>TinyBackbone with a softmax "final_result", as label-image expects, and optionally a model_info record.</summary>
    private static TfGraphBuilder Classifier(string? modelInfo = null)
    {
        var g = TinyBackbone.Build();
        g.Op("Softmax", LabelImageEngine.DefaultOutputLayer, [TinyBackbone.BottleneckNode]);
        if (modelInfo is not null)
        {
            g.StringConst(ModelRecognizer.ModelInfoNode, Encoding.UTF8.GetBytes(modelInfo));
        }

        return g;
    }

    /// <summary>The JSON retrain records for TinyBackbone, with one field set to <paramref name="value"/>.</summary>
    private static string ModelInfo(string field, string value)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Architecture"] = "\"custom\"",
            ["InputNode"] = "\"input\"",
            ["BottleneckNode"] = "\"bottleneck\"",
            ["InputHeight"] = "8",
            ["InputWidth"] = "8",
            ["InputMean"] = "0",
            ["InputStd"] = "255",
        };
        fields[field] = value;
        return "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
    }

    private RetrainException RetrainFails(string model, ModelOverrides? overrides = null)
    {
        var options = TinyRuns.Options(_work.Path, _imageDir, model) with { Model = overrides ?? TinyBackbone.Overrides };
        var inputs = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.False(File.Exists(options.OutputGraph));
        Assert.False(File.Exists(options.OutputLabels));
        inputs.AssertUnchanged(options.BottleneckDir, Path.GetDirectoryName(options.OutputGraph)!);
        return error;
    }

    private RetrainException LabelImageFails(string model)
    {
        var inputs = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => LabelImageEngine.Run(
            new LabelImageOptions { Graph = model, Images = [_image] },
            new LogCapture().Logger,
            CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, error.Code);
        inputs.AssertUnchanged();
        return error;
    }
}
