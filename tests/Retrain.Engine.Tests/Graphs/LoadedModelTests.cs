using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

public class LoadedModelTests
{
    [Fact]
    public void OpenBackbone_SharedMobileNet_IsRecognisedWithoutFlags()
    {
        using var model = LoadedModel.OpenBackbone(SharedData.Path("models/mobilenet_v1_0.25_128/quantized_graph.pb"), new ModelOverrides(), new InferenceSettings());

        var d = model.Description;
        Assert.Equal(("mobilenet_v1", "input", "MobilenetV1/Predictions/Reshape"), (d.Architecture, d.InputNode, d.OutputNode));
        Assert.Equal((128, 128, 127.5f, 127.5f), (d.InputHeight, d.InputWidth, d.InputMean, d.InputStd));
        Assert.Equal(1001, model.OutputLength);
    }

    [Fact]
    public void OpenBackbone_OnnxFile_GivesTheSameBottlenecksAsTheGraphDef()
    {
        using var dir = new TempFolder();
        var pb = SharedData.Path("models/mobilenet_v1_0.25_128/frozen_graph.pb");
        var onnx = dir.Write("mobilenet.onnx", GraphImporter.ImportFile(pb, "input", "MobilenetV1/Predictions/Reshape").OnnxModel);

        using var fromPb = LoadedModel.OpenBackbone(pb, new ModelOverrides(), new InferenceSettings());
        using var fromOnnx = LoadedModel.OpenBackbone(onnx, new ModelOverrides(InputMean: 127.5f, InputStd: 127.5f), new InferenceSettings());

        Assert.Equal(ModelFormat.Onnx, fromOnnx.Description.Format);
        Assert.Equal((128, 128), (fromOnnx.Description.InputHeight, fromOnnx.Description.InputWidth));
        Assert.NotEqual(fromPb.CacheKey, fromOnnx.CacheKey);
        var input = Enumerable.Range(0, 128 * 128 * 3).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        var a = new float[1001];
        var b = new float[1001];
        fromPb.Runner.Run(input, 1, a);
        fromOnnx.Runner.Run(input, 1, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void CacheKey_ChangesWithThePreprocessing()
    {
        var path = SharedData.Path("models/mobilenet_v1_0.25_128/frozen_graph.pb");
        using var standard = LoadedModel.OpenBackbone(path, new ModelOverrides(), new InferenceSettings());
        using var otherMean = LoadedModel.OpenBackbone(path, new ModelOverrides(InputMean: 128f), new InferenceSettings());

        Assert.StartsWith("frozen_graph-", standard.CacheKey, StringComparison.Ordinal);
        Assert.NotEqual(standard.CacheKey, otherMean.CacheKey);
    }

    [Fact]
    public void OpenBackbone_UnknownGraphWithoutBottleneckFlag_SaysWhichFlagToPass()
    {
        using var dir = new TempFolder();
        var g = new TfGraphBuilder();
        var input = g.Placeholder("pixels", -1, 4, 4, 3);
        g.Op("Relu", "features", [input]);
        var path = Path.Combine(dir.Path, "custom.pb");
        GraphDefFile.Save(g.Graph, path);

        var e = Assert.Throws<RetrainException>(() => LoadedModel.OpenBackbone(path, new ModelOverrides(), new InferenceSettings()));
        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("--bottleneck_layer", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenBackbone_InceptionV3_IsRecognisedWithoutFlags()
    {
        using var model = LoadedModel.OpenBackbone(SharedData.Path("models/inception_v3/inception_v3.pb"), new ModelOverrides(), new InferenceSettings());

        var d = model.Description;
        Assert.Equal(("inception_v3", "input", "pool_3/_reshape", 299, 299), (d.Architecture, d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth));
        Assert.Equal(2048, model.OutputLength);
    }
}
