using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Retrain.Protos.Onnx;

namespace Retrain.Graphs;

/// <summary>
/// The metadata_props retrain puts in the ONNX files it exports (--output_onnx), so anyone loading the file knows how
/// to feed it, and label-image needs neither flags nor a labels file: the input's name, NHWC float32 layout and shape,
/// the preprocessing (TF1 bilinear resize to the input size, then (x - mean) / std on RGB values 0..255), the labels
/// in output order, and the output's name. <see cref="ModelInfoKey"/> repeats the description as the same JSON the
/// output graph's <c>retrain/model_info</c> node holds; it is what <see cref="Read"/> relies on.
/// </summary>
internal static class OnnxMetadata
{
    public const string ModelInfoKey = "retrain/model_info";
    public const string LabelsKey = "labels";

    /// <summary>What an exported file says about itself; null members were not recorded.</summary>
    public sealed record Info(ModelRecognizer.ModelInfo? Model, IReadOnlyList<string>? Labels);

    /// <param name="preprocessing">How the backbone's input holds an image, when it is not TensorFlow's NHWC RGB with one mean and std.</param>
    public static void Describe(ModelProto onnx, ModelDescription model, ImportedGraph imported, IReadOnlyList<string> labels, Images.ImagePreprocessing? preprocessing = null)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(imported);
        ArgumentNullException.ThrowIfNull(labels);
        var layout = preprocessing?.Layout ?? Images.TensorLayout.Nhwc;
        var channels = preprocessing?.ChannelOrder ?? Images.ChannelOrder.Rgb;
        var info = new ModelRecognizer.ModelInfo(
            model.Architecture, model.InputNode, model.OutputNode, model.InputHeight, model.InputWidth, model.InputMean, model.InputStd)
        {
            InputLayout = layout == Images.TensorLayout.Nhwc ? null : "NCHW",
            InputChannels = channels == Images.ChannelOrder.Rgb ? null : "BGR",
            ChannelMeans = preprocessing?.ChannelMeans,
            ChannelStds = preprocessing?.ChannelStds,
        };
        var mean = preprocessing?.ChannelMeans is { } means ? Numbers(means) : model.InputMean.ToString("R", CultureInfo.InvariantCulture);
        var std = preprocessing?.ChannelStds is { } stds ? Numbers(stds) : model.InputStd.ToString("R", CultureInfo.InvariantCulture);
        var perChannel = preprocessing?.ChannelMeans is not null || preprocessing?.ChannelStds is not null ? " per channel" : string.Empty;
        Add(onnx, "input_name", imported.InputName);
        Add(onnx, "input_shape", Dims(imported.InputShape));
        Add(onnx, "input_layout", layout == Images.TensorLayout.Nhwc ? "NHWC" : "NCHW");
        Add(onnx, "input_dtype", "float32");
        Add(onnx, "input_channels", channels == Images.ChannelOrder.Rgb ? "RGB" : "BGR");
        Add(onnx, "input_height", model.InputHeight.ToString(CultureInfo.InvariantCulture));
        Add(onnx, "input_width", model.InputWidth.ToString(CultureInfo.InvariantCulture));
        Add(onnx, "input_mean", mean);
        Add(onnx, "input_std", std);
        Add(onnx, "preprocessing",
            $"decode to RGB, resize to {model.InputHeight}x{model.InputWidth} with TensorFlow 1 resize_bilinear " +
            $"(align_corners=false, half_pixel_centers=false), then (x - {mean}) / {std}{perChannel} on values 0..255" +
            (channels == Images.ChannelOrder.Bgr ? ", channels in BGR order" : string.Empty));
        Add(onnx, "output_name", imported.OutputName);
        Add(onnx, "output_shape", Dims(imported.OutputShape));
        Add(onnx, "output", "softmax probabilities, one per label, in the order of 'labels'");
        Add(onnx, LabelsKey, JsonSerializer.Serialize(labels));
        Add(onnx, ModelInfoKey, JsonSerializer.Serialize(info));
    }

    private static string Numbers(IReadOnlyList<float> values) =>
        string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>
    /// Reads the metadata of a serialized ONNX model without parsing its graph (which can be hundreds of megabytes):
    /// only field 14 of ModelProto is decoded, every other field is skipped.
    /// </summary>
    public static Info Read(byte[] onnxModel)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var input = new CodedInputStream(onnxModel);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == ModelProto.MetadataPropsFieldNumber
                    && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    var entry = new StringStringEntryProto();
                    input.ReadMessage(entry);
                    props[entry.Key] = entry.Value;
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // ONNX Runtime already accepted the model; metadata we cannot read is as good as none.
            return new Info(null, null);
        }

        return new Info(Parse<ModelRecognizer.ModelInfo>(props, ModelInfoKey), Parse<string[]>(props, LabelsKey));
    }

    private static T? Parse<T>(Dictionary<string, string> props, string key)
        where T : class
    {
        if (!props.TryGetValue(key, out var json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Add(ModelProto onnx, string key, string value)
    {
        var existing = onnx.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (existing is not null)
        {
            onnx.MetadataProps.Remove(existing);
        }

        onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }

    private static string Dims(long[] shape) => "[" + string.Join(",", shape) + "]";
}
