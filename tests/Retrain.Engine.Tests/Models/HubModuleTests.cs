using Google.Protobuf;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Protos.TensorFlow;
using Retrain.Protos.TensorFlowHub;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Models;

/// <summary>
/// TF1 Hub modules (a SavedModel folder with tfhub_module.pb) as --tfhub_module: their default signature and
/// `images` input in [0, 1] make the input and bottleneck nodes, the image size, mean 0 and std 255 the defaults, as
/// retrain.py's hub.Module use gave them; flags still win.
/// </summary>
public sealed class HubModuleTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly LogCapture _log = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void HubModuleFolder_TakesItsDefaultsFromTheTaglessGraphsDefaultSignature_AndTheImageModuleInfo()
    {
        // The images input accepts any size: only the attached image_module_info gives 8x8.
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"), TinyHubModule.Files(imagesShape: [-1, -1, -1, 3]));

        var resolved = Resolve(folder);

        Assert.Equal(folder, resolved.Path);
        Assert.Null(resolved.CatalogName);
        Assert.Equal(new ModelOverrides(TinyBackbone.InputNode, TinyBackbone.BottleneckNode, TinyBackbone.Size, TinyBackbone.Size, 0f, 255f), resolved.Defaults);
    }

    [Fact]
    public void WithoutImageModuleInfo_TheImageSizeComesFromTheImagesInputsShape()
    {
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"), TinyHubModule.Files(imagesShape: [-1, 6, 7, 3], imageModuleInfo: false));

        var resolved = Resolve(folder);

        Assert.Equal((6, 7), (resolved.Defaults.InputHeight, resolved.Defaults.InputWidth));
    }

    [Fact]
    public void Flags_WinOverTheModulesDefaults()
    {
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"));

        var applied = Resolve(folder).Apply(new ModelOverrides(InputMean: 127.5f, InputHeight: 16));

        Assert.Equal(new ModelOverrides(TinyBackbone.InputNode, TinyBackbone.BottleneckNode, 16, TinyBackbone.Size, 127.5f, 255f), applied);
    }

    [Fact]
    public void ASavedModelWithoutTfhubModulePb_GetsNoHubDefaults()
    {
        var folder = Path.Combine(_temp.Path, "plain");
        TinyHubModule.Write(folder, TinyHubModule.Files().Where(f => f.Name != "tfhub_module.pb").ToList());

        var resolved = Resolve(folder);

        Assert.Equal(folder, resolved.Path);
        Assert.Equal(new ModelOverrides(), resolved.Defaults);
    }

    [Fact]
    public void RetrainOnAHubModule_NeedsNoModelFlags_AndComputesTheBottlenecksOfTheGraphFedWithMean0Std255()
    {
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"));

        var result = RunBesideTheFrozenGraph(folder);

        Assert.Equal(["blue", "green", "red"], result.Labels);
        Assert.Contains(_log.Messages(Serilog.Events.LogEventLevel.Information), m => m.Contains("mean 0, std 255", StringComparison.Ordinal));
    }

    [Fact]
    public void AHubModuleWhoseWeightsAreVariables_IsFrozen_AndGivesTheFrozenGraphsBottlenecks()
    {
        // What tfhub.dev serves for retrain.py: tfhub_module.pb beside a tag-less graph whose weights are VariableV2
        // nodes with their values in variables/.
        var folder = Path.Combine(_temp.Path, "module");
        var variables = VariableSavedModel.Write(TinyBackbone.Graph(), folder, TinyBackbone.InputNode, TinyBackbone.BottleneckNode, signature: "default");
        var savedModelPath = Path.Combine(folder, SavedModelFile.FileName);
        var savedModel = SavedModel.Parser.ParseFrom(File.ReadAllBytes(savedModelPath));
        var meta = savedModel.MetaGraphs.Single();
        meta.MetaInfoDef.Tags.Clear();
        var outputs = meta.SignatureDef["default"].Outputs;
        outputs["default"] = outputs["feature_vector"];
        outputs.Remove("feature_vector");
        File.WriteAllBytes(savedModelPath, savedModel.ToByteArray());
        File.WriteAllBytes(Path.Combine(folder, "tfhub_module.pb"), new ModuleDef { Format = 3 }.ToByteArray());
        Assert.NotEmpty(variables);
        Assert.DoesNotContain(meta.GraphDef.Node, n => n.Op == "Const" && variables.Contains(n.Name));

        RunBesideTheFrozenGraph(folder);
    }

    /// <summary>
    /// Retrains on the module with no model flags and on the frozen TinyBackbone fed with mean 0 and std 255 over one
    /// dataset, and checks that every image's bottleneck is the same in both caches; returns the module's run.
    /// </summary>
    private RetrainResult RunBesideTheFrozenGraph(string module)
    {
        var imageDir = Path.Combine(_temp.Path, "images");
        var images = TinyDataset.Create(imageDir, perClass: 6);
        var hub = TinyRuns.Options(Path.Combine(_temp.Path, "hub"), imageDir, module) with { Model = new ModelOverrides() };
        var graphDir = Directory.CreateDirectory(Path.Combine(_temp.Path, "graph")).FullName;
        var graph = TinyRuns.Options(graphDir, imageDir, TinyBackbone.Write(graphDir)) with
        {
            Model = TinyBackbone.Overrides with { InputMean = 0f, InputStd = 255f },
        };

        var result = RetrainEngine.Run(hub, _log.Logger, TestContext.Current.CancellationToken);
        RetrainEngine.Run(graph, new LogCapture().Logger, TestContext.Current.CancellationToken);

        using var fromModule = TinyRuns.Cache(hub.BottleneckDir);
        using var fromGraph = TinyRuns.Cache(graph.BottleneckDir);
        foreach (var image in images)
        {
            var key = BottleneckCache.ContentKey(File.ReadAllBytes(image));
            var (a, b) = (new float[TinyBackbone.BottleneckLength], new float[TinyBackbone.BottleneckLength]);
            Assert.True(fromModule.TryRead(key, a) && fromGraph.TryRead(key, b), image);
            Assert.Equal(b, a);
        }

        return result;
    }

    [Theory]
    [InlineData(0, "format 0")]
    [InlineData(4, "format 4")]
    public void AModuleFormatOtherThanV3_IsRefused(int format, string expected)
    {
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"), TinyHubModule.Files(format: format));

        var e = Assert.Throws<RetrainException>(() => Resolve(folder));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "tfhub_module.pb"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequiredFeaturesRetrainDoesNotKnow_AreRefusedByName()
    {
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"), TinyHubModule.Files(requiredFeatures: ["fancy_v4_thing"]));

        var e = Assert.Throws<RetrainException>(() => Resolve(folder));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("fancy_v4_thing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModuleWithoutTheDefaultSignature_IsRefused_ListingItsSignatures()
    {
        var folder = TinyHubModule.Write(Path.Combine(_temp.Path, "module"), TinyHubModule.Files(signature: "image_feature_vector"));

        var e = Assert.Throws<RetrainException>(() => Resolve(folder));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("no 'default' signature (signatures: image_feature_vector)", e.Message, StringComparison.Ordinal);
    }

    private ResolvedModel Resolve(string module) =>
        ModelLocator.Resolve(
            module,
            null,
            _temp.Path,
            new ModelDownloadSettings { BaseUrl = new Uri($"http://127.0.0.1:{LocalHttpServer.ClosedPort()}/") },
            _log.Logger,
            TestContext.Current.CancellationToken);
}
