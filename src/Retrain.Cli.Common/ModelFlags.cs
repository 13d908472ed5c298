using System.CommandLine;
using System.Globalization;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;

namespace Retrain.Cli.Common;

/// <summary>
/// The flags both commands use to describe a model and where to run it (label_image.py's `--input_layer`,
/// `--input_height`, `--input_width`, `--input_mean`, `--input_std`, the output node flag each command names its own
/// way, `--device` and `--gpu_id`), bound to <see cref="ModelOverrides"/> and <see cref="InferenceSettings"/>.
/// </summary>
public sealed class ModelFlags
{
    public ModelFlags(string outputFlag, string outputDescription, string subject)
    {
        InputLayer = new Option<string?>(Flags.InputLayer) { Description = $"Name of the {subject}'s input node (default: from the graph; recognised for MobileNet v1 and Inception-v3)." };
        OutputLayer = new Option<string?>(outputFlag) { Description = outputDescription };
        InputHeight = new Option<int?>(Flags.InputHeight) { Description = "Input image height (default: from the graph)." };
        InputWidth = new Option<int?>(Flags.InputWidth) { Description = "Input image width (default: from the graph)." };
        InputMean = new Option<string?>(Flags.InputMean) { Description = "Pixel value subtracted before dividing by --input_std: one value, or three separated by commas (one per channel, in the model's channel order; ONNX models). Default: the recognised model's." };
        InputStd = new Option<string?>(Flags.InputStd) { Description = "Divisor applied after subtracting --input_mean: one value, or three separated by commas (one per channel; ONNX models)." };
        InputLayout = new Option<string?>(Flags.InputLayout) { Description = "Where an ONNX model's input has its channels: nhwc (channels last) or nchw (channels first). Default: from the input shape ([N,3,H,W] is nchw)." };
        InputLayout.AcceptOnlyFromAmong("nhwc", "nchw");
        InputChannelOrder = new Option<string?>(Flags.InputChannelOrder) { Description = "Colour order an ONNX model expects: rgb or bgr. Default: rgb, or what an ONNX file retrain exported records." };
        InputChannelOrder.AcceptOnlyFromAmong("rgb", "bgr");
        Device = new Option<string>(Flags.Device) { Description = "Where to run the model: cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        Device.AcceptOnlyFromAmong("cpu", "cuda");
        GpuId = new Option<int>(Flags.GpuId) { Description = "Which NVIDIA GPU --device cuda runs on: 0 for the first (`nvidia-smi -L` lists them).", DefaultValueFactory = _ => 0 };
    }

    public Option<string?> InputLayer { get; }

    public Option<string?> OutputLayer { get; }

    public Option<int?> InputHeight { get; }

    public Option<int?> InputWidth { get; }

    public Option<string?> InputMean { get; }

    public Option<string?> InputStd { get; }

    public Option<string?> InputLayout { get; }

    public Option<string?> InputChannelOrder { get; }

    public Option<string> Device { get; }

    public Option<int> GpuId { get; }

    public IEnumerable<Option> All => [InputLayer, OutputLayer, InputHeight, InputWidth, InputMean, InputStd, InputLayout, InputChannelOrder, Device, GpuId];

    public ModelOverrides Overrides(ParseResult p)
    {
        var means = Values(p.GetValue(InputMean), Flags.InputMean);
        var stds = Values(p.GetValue(InputStd), Flags.InputStd);
        return new ModelOverrides(
            p.GetValue(InputLayer),
            p.GetValue(OutputLayer),
            p.GetValue(InputHeight),
            p.GetValue(InputWidth),
            means is [var mean] ? mean : null,
            stds is [var std] ? std : null)
        {
            Arrangement = new InputArrangement(
                p.GetValue(InputLayout) switch { "nchw" => TensorLayout.Nchw, "nhwc" => TensorLayout.Nhwc, _ => null },
                p.GetValue(InputChannelOrder) switch { "bgr" => ChannelOrder.Bgr, "rgb" => ChannelOrder.Rgb, _ => null },
                means is { Length: > 1 } ? means : null,
                stds is { Length: > 1 } ? stds : null),
        };
    }

    /// <summary>One number or several separated by commas; null when the flag was not given.</summary>
    private static float[]? Values(string? text, string flag)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            Flags.Require(
                float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]),
                flag,
                $"takes a number, or three separated by commas (e.g. 123.68,116.78,103.94); '{parts[i]}' is not a number");
        }

        return values;
    }

    public InferenceSettings Inference(ParseResult p) =>
        new(p.GetValue(Device) == "cuda" ? ExecutionDevice.Cuda(p.GetValue(GpuId)) : ExecutionDevice.Cpu);
}
