using Google.Protobuf;
using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Protos.Onnx;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>Channels-first ONNX backbones (issue 18): the layout comes from the input shape.</summary>
public class LoadedModelNchwTests
{
    /// <summary>The shared MobileNet as ONNX, behind a Transpose so it takes [N,3,128,128] as PyTorch exports do.</summary>
    private static byte[] ChannelsFirstMobileNet(byte[] nhwcModel)
    {
        var model = ModelProto.Parser.ParseFrom(nhwcModel);
        var graph = model.Graph;
        var input = graph.Input[0];
        var inner = input.Name + "_nhwc";
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == input.Name)
                {
                    node.Input[i] = inner;
                }
            }
        }

        var dims = input.Type.TensorType.Shape.Dim;
        var (h, w) = (dims[1].Clone(), dims[2].Clone());
        dims[1] = new TensorShapeProto.Types.Dimension { DimValue = 3 };
        dims[2] = h;
        dims[3] = w;
        var transpose = new NodeProto { OpType = "Transpose", Name = "to_nhwc", Input = { input.Name }, Output = { inner } };
        transpose.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 0, 2, 3, 1 } });
        graph.Node.Insert(0, transpose);
        return model.ToByteArray();
    }

    [Fact]
    public void OpenBackbone_NchwOnnx_IsDetectedAndGivesTheGraphDefsBottlenecks()
    {
        using var dir = new TempFolder();
        var pb = SharedData.Path("models/mobilenet_v1_0.25_128/frozen_graph.pb");
        var nhwc = GraphImporter.ImportFile(pb, "input", "MobilenetV1/Predictions/Reshape").OnnxModel;
        var onnx = dir.Write("mobilenet_nchw.onnx", ChannelsFirstMobileNet(nhwc));
        var image = SharedData.Path("images/imagenet/grace_hopper.bmp");

        using var fromPb = LoadedModel.OpenBackbone(pb, new ModelOverrides(), new InferenceSettings());
        using var fromOnnx = LoadedModel.OpenBackbone(onnx, new ModelOverrides(InputMean: 127.5f, InputStd: 127.5f), new InferenceSettings());

        Assert.Equal((TensorLayout.Nhwc, TensorLayout.Nchw), (fromPb.Layout, fromOnnx.Layout));
        Assert.Equal((128, 128), (fromOnnx.Description.InputHeight, fromOnnx.Description.InputWidth));
        Assert.Equal(TensorLayout.Nchw, fromOnnx.Preprocessing.Layout);
        var a = Bottleneck(fromPb, image);
        var b = Bottleneck(fromOnnx, image);
        Assert.Equal(1001, b.Length);
        Assert.Equal(a, b, (x, y) => Math.Abs(x - y) <= 1e-5f);
    }

    [Fact]
    public void OpenBackbone_TensorFlowGraphWithAnOnnxOnlyArrangement_IsAUsageErrorSayingWhatToDo()
    {
        using var dir = new TempFolder();
        var pb = TinyBackbone.Write(dir.Path);
        ModelOverrides With(InputArrangement arrangement) => TinyBackbone.Overrides with { Arrangement = arrangement };

        var layout = Assert.Throws<RetrainException>(() => LoadedModel.OpenBackbone(pb, With(new InputArrangement(Layout: TensorLayout.Nchw)), new InferenceSettings()));
        var means = Assert.Throws<RetrainException>(() => LoadedModel.OpenBackbone(pb, With(new InputArrangement(ChannelMeans: [1f, 2f, 3f])), new InferenceSettings()));

        Assert.Equal(ExitCode.Usage, layout.Code);
        Assert.StartsWith("--input_layout as given applies to ONNX backbones only:", layout.Message, StringComparison.Ordinal);
        Assert.EndsWith("Leave the flag out.", layout.Message, StringComparison.Ordinal);
        Assert.StartsWith("--input_mean as given applies to ONNX backbones only:", means.Message, StringComparison.Ordinal);
        Assert.EndsWith("Give one value, or leave the flag out.", means.Message, StringComparison.Ordinal);
    }

    private static float[] Bottleneck(LoadedModel model, string image)
    {
        var input = new float[model.Preprocessing.TensorLength];
        ImageLoader.LoadInto(image, model.Preprocessing, input);
        var output = new float[model.OutputLength];
        model.Runner.Run(input, 1, output);
        return output;
    }
}
