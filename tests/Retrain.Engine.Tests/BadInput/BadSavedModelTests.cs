using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 18, part 4: a SavedModel with variables whose variables/ folder does not match its graph (a shard missing,
/// a checksum wrong, a variable missing, another dtype or shape), that lacks the tag or signature retrain reads, or
/// whose TF2 function uses an op the importer lacks, stops the run with BadModel naming the file and the variable,
/// node or function, before any output is written.
/// </summary>
public sealed class BadSavedModelTests : IDisposable
{
    private readonly TempFolder _work = new();
    private readonly string _imageDir;
    private readonly string _model;

    public BadSavedModelTests()
    {
        _imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(_imageDir, perClass: 4, classes: ["blue", "red"]);
        _model = Path.Combine(_work.Path, "saved_model");
        VariableSavedModel.Write(TinyBackbone.Graph(), _model, TinyBackbone.InputNode, TinyBackbone.BottleneckNode);
    }

    private string Prefix => Path.Combine(_model, "variables", "variables");

    public void Dispose() => _work.Dispose();

    [Fact]
    public void ShardMissing_NamesTheShardAndTheVariable()
    {
        File.Delete(Prefix + ".data-00000-of-00001");

        var error = RetrainFails();

        Assert.Contains(Prefix + ".data-00000-of-00001", error.Message, StringComparison.Ordinal);
        Assert.Contains("is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("'conv/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChecksumWrong_NamesTheVariableAndTheShard()
    {
        var shard = Prefix + ".data-00000-of-00001";
        var bytes = File.ReadAllBytes(shard);
        bytes[^1] ^= 0x40; // the last value of the last variable by name: conv/weights
        File.WriteAllBytes(shard, bytes);

        var error = RetrainFails();

        Assert.Contains("'conv/weights'", error.Message, StringComparison.Ordinal);
        Assert.Contains(shard, error.Message, StringComparison.Ordinal);
        Assert.Contains("CRC-32C", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VariableMissing_NamesTheVariableAndTheIndex()
    {
        WriteBundle(("conv/weights", Floats(18), [1, 1, 3, 6]));

        var error = RetrainFails();

        Assert.Contains("variable 'conv/bias'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Prefix + ".index", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{_model}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeMismatch_NamesTheVariableAndBothShapes()
    {
        WriteBundle(("conv/weights", Floats(18), [1, 1, 3, 6]), ("conv/bias", Floats(3), [3]));

        var error = RetrainFails();

        Assert.Contains("variable 'conv/bias'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DtFloat [6]", error.Message, StringComparison.Ordinal);
        Assert.Contains("DtFloat [3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DtypeMismatch_NamesTheVariableAndBothTypes()
    {
        var bias = new byte[6 * sizeof(double)];
        TensorBundleWriter.Write(Prefix, new Dictionary<string, TensorBundleWriter.Tensor>
        {
            ["conv/weights"] = new(DataType.DtFloat, [1, 1, 3, 6], Floats(18)),
            ["conv/bias"] = new(DataType.DtDouble, [6], bias),
        });

        var error = RetrainFails();

        Assert.Contains("variable 'conv/bias'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DtFloat", error.Message, StringComparison.Ordinal);
        Assert.Contains("DtDouble", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoServeTag_ListsTheTagsThere()
    {
        EditMetaGraph(meta =>
        {
            meta.MetaInfoDef.Tags.Clear();
            meta.MetaInfoDef.Tags.Add("train");
        });

        var error = RetrainFails();

        Assert.Contains($"'{_model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'serve'", error.Message, StringComparison.Ordinal);
        Assert.Contains("{train}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoServingSignature_ListsTheSignaturesThere()
    {
        EditMetaGraph(meta =>
        {
            var signature = meta.SignatureDef["serving_default"];
            meta.SignatureDef.Clear();
            meta.SignatureDef["predict_colours"] = signature;
            meta.SignatureDef["classify"] = signature;
        });

        var error = RetrainFails(new ModelOverrides());

        Assert.Contains($"'{_model}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'serving_default'", error.Message, StringComparison.Ordinal);
        Assert.Contains("classify, predict_colours", error.Message, StringComparison.Ordinal);
        Assert.Contains(Flags.InputLayer, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tf2FunctionWithAnOpTheImporterLacks_NamesTheOpAndTheFunction()
    {
        // The TF2 shape of a model: the graph calls a function (here relu6 written as an unsupported Selu) through
        // StatefulPartitionedCall; the function's body is what the importer sees once inlined.
        var graph = TinyBackbone.Graph();
        var relu = graph.Node.Single(n => n.Name == "relu");
        relu.Op = "StatefulPartitionedCall";
        relu.Attr["f"] = new AttrValue { Func = new NameAttrList { Name = "__inference_activation_42" } };
        relu.Attr["Tin"] = new AttrValue { List = new AttrValue.Types.ListValue { Type = { DataType.DtFloat } } };
        relu.Attr["Tout"] = new AttrValue { List = new AttrValue.Types.ListValue { Type = { DataType.DtFloat } } };
        var selu = new NodeDef { Name = "activation/Selu", Op = "Selu", Input = { "features" } };
        selu.Attr["T"] = new AttrValue { Type = DataType.DtFloat };
        graph.Library = new FunctionDefLibrary
        {
            Function =
            {
                new FunctionDef
                {
                    Signature = new OpDef
                    {
                        Name = "__inference_activation_42",
                        InputArg = { new OpDef.Types.ArgDef { Name = "features", Type = DataType.DtFloat } },
                        OutputArg = { new OpDef.Types.ArgDef { Name = "identity", Type = DataType.DtFloat } },
                    },
                    NodeDef = { selu },
                    Ret = { ["identity"] = "activation/Selu:activations:0" },
                },
            },
        };
        Directory.Delete(_model, recursive: true);
        VariableSavedModel.Write(graph, _model, TinyBackbone.InputNode, TinyBackbone.BottleneckNode, resourceVariables: true);

        var error = RetrainFails(new ModelOverrides());

        Assert.Contains("op 'Selu'", error.Message, StringComparison.Ordinal);
        Assert.Contains("node 'relu/activation/Selu'", error.Message, StringComparison.Ordinal);
        Assert.Contains("function '__inference_activation_42'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{_model}'", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Floats(int count)
    {
        var bytes = new byte[count * sizeof(float)];
        Buffer.BlockCopy(Enumerable.Range(0, count).Select(static i => i * 0.1f).ToArray(), 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private void WriteBundle(params (string Name, byte[] Bytes, long[] Shape)[] variables) =>
        TensorBundleWriter.Write(Prefix, variables.ToDictionary(
            static v => v.Name, static v => new TensorBundleWriter.Tensor(DataType.DtFloat, v.Shape, v.Bytes), StringComparer.Ordinal));

    private void EditMetaGraph(Action<MetaGraphDef> edit)
    {
        var file = Path.Combine(_model, SavedModelFile.FileName);
        var saved = SavedModel.Parser.ParseFrom(File.ReadAllBytes(file));
        edit(saved.MetaGraphs.Single());
        File.WriteAllBytes(file, saved.ToByteArray());
    }

    private RetrainException RetrainFails(ModelOverrides? overrides = null)
    {
        var options = TinyRuns.Options(_work.Path, _imageDir, _model) with { Model = overrides ?? TinyBackbone.Overrides };
        var inputs = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadModel, error.Code);
        Assert.False(File.Exists(options.OutputGraph));
        Assert.False(File.Exists(options.OutputLabels));
        inputs.AssertUnchanged(options.BottleneckDir, Path.GetDirectoryName(options.OutputGraph)!);
        return error;
    }
}
