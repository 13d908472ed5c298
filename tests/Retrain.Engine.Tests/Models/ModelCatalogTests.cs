using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Models;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Models;

public sealed class ModelCatalogTests
{
    private static readonly Uri Official = new(ModelCatalog.OfficialBaseUrl);

    [Fact]
    public void Catalogue_HoldsInceptionAndEveryMobileNetOfRetrainPy()
    {
        var names = ModelCatalog.All.Select(e => e.Name).ToList();

        Assert.Equal(1 + (4 * 4 * 2), names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal("inception_v3", names[0]);
        Assert.Contains("mobilenet_0.50_160", names);
        Assert.Contains("mobilenet_0.25_128_quantized", names);
    }

    [Fact]
    public void Inception_IsRetrainPysDefault2015Graph()
    {
        Assert.True(ModelCatalog.TryFind("inception_v3", out var e));

        Assert.Equal("http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz", e.ArchiveUrl(Official).AbsoluteUri);
        Assert.Equal("inception-2015-12-05.tgz", e.ArchiveFileName);
        Assert.Equal("classify_image_graph_def.pb", e.ModelFile);
        Assert.Equal(new ModelOverrides("Mul", "pool_3/_reshape", 299, 299, 128f, 128f), e.Defaults);
        Assert.Equal(2048, e.BottleneckSize);
        Assert.Null(e.ArchiveSha256);
    }

    [Fact]
    public void MobileNet_UsesTheFrozenArchiveAndItsFloatGraph()
    {
        Assert.True(ModelCatalog.TryFind("mobilenet_0.50_160", out var e));

        Assert.Equal("http://download.tensorflow.org/models/mobilenet_v1_0.50_160_frozen.tgz", e.ArchiveUrl(Official).AbsoluteUri);
        Assert.Equal("mobilenet_v1_0.50_160/frozen_graph.pb", e.ModelFile);
        Assert.Equal(new ModelOverrides("input", "MobilenetV1/Predictions/Reshape", 160, 160, 127.5f, 127.5f), e.Defaults);
        Assert.Equal(1001, e.BottleneckSize);
    }

    [Fact]
    public void QuantizedMobileNet_UsesItsOwnArchive_AsTheLastRetrainPyDid()
    {
        Assert.True(ModelCatalog.TryFind("mobilenet_0.25_128_quantized", out var e));

        Assert.Equal("http://download.tensorflow.org/models/mobilenet_v1_0.25_128_quantized_frozen.tgz", e.ArchiveUrl(Official).AbsoluteUri);
        Assert.Equal("mobilenet_v1_0.25_128_quantized_frozen/quantized_frozen_graph.pb", e.ModelFile);
        Assert.Equal("Placeholder", e.InputNode);
        Assert.Equal(128, e.InputSize);
    }

    [Fact]
    public void Names_AreMatchedCaseInsensitively_AsRetrainPyLowerCasedThem()
    {
        Assert.True(ModelCatalog.TryFind("MobileNet_1.0_224", out var e));
        Assert.Equal("mobilenet_1.0_224", e.Name);
    }

    [Fact]
    public void ArchivePaths_AreResolvedAgainstAMirror()
    {
        ModelCatalog.TryFind("mobilenet_1.0_224", out var e);
        var settings = new ModelDownloadSettings { BaseUrl = new Uri("https://mirror.example/tf/models") };

        Assert.Equal("https://mirror.example/tf/models/mobilenet_v1_1.0_224_frozen.tgz", e.ArchiveUrl(settings.BaseUrl).AbsoluteUri);
    }

    [Theory]
    [InlineData("mobilenet_0.3_224", "version should be 1.0, 0.75, 0.50 or 0.25, but found '0.3'")]
    [InlineData("mobilenet_0.5_224", "but found '0.5'")]
    [InlineData("mobilenet_1.0_225", "input size should be 224, 192, 160 or 128, but found '225'")]
    [InlineData("mobilenet_1.0_224_quant", "only suffix understood is '_quantized'")]
    [InlineData("mobilenet_1.0", "mobilenet_<version>_<size>[_quantized]")]
    [InlineData("resnet_50", "neither inception_v3 nor")]
    public void UnknownName_IsAUsageError_ListingTheValidNames(string name, string reason)
    {
        using var temp = new TempFolder();
        var settings = new ModelDownloadSettings { BaseUrl = new Uri($"http://127.0.0.1:{LocalHttpServer.ClosedPort()}/") };

        var e = Assert.Throws<RetrainException>(() => ModelLocator.Resolve(null, name, temp.Path, settings, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.StartsWith($"Couldn't understand architecture name '{name}' (from --architecture)", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains("Valid names: inception_v3, mobilenet_1.0_224, mobilenet_1.0_192,", e.Message, StringComparison.Ordinal);
        Assert.Contains("mobilenet_0.25_128, and each mobilenet name with the suffix _quantized", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("models/mobilenet_v1_0.25_224/frozen_graph.pb", "mobilenet_0.25_224")]
    [InlineData("x/mobilenet_v1_1.0_128_quantized_frozen/quantized_frozen_graph.pb", "mobilenet_1.0_128_quantized")]
    [InlineData("imagenet/classify_image_graph_def.pb", "inception_v3")]
    [InlineData("models/mobilenet_v1_0.25_224/quantized_graph.pb", null)]
    [InlineData("models/my_frozen_graph.pb", null)]
    public void FindByLayout_RecognisesFilesWhereTheArchivesPutThem(string path, string? expected)
    {
        Assert.Equal(expected, ModelCatalog.FindByLayout(path)?.Name);
    }
}
