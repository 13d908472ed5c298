using System.CommandLine;
using Retrain.Graphs;
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
        InputLayer = new Option<string?>("--input_layer") { Description = $"Name of the {subject}'s input node (default: from the graph; recognised for MobileNet v1 and Inception-v3)." };
        OutputLayer = new Option<string?>(outputFlag) { Description = outputDescription };
        InputHeight = new Option<int?>("--input_height") { Description = "Input image height (default: from the graph)." };
        InputWidth = new Option<int?>("--input_width") { Description = "Input image width (default: from the graph)." };
        InputMean = new Option<float?>("--input_mean") { Description = "Pixel value subtracted before dividing by --input_std (default: the recognised model's)." };
        InputStd = new Option<float?>("--input_std") { Description = "Divisor applied after subtracting --input_mean." };
        Device = new Option<string>("--device") { Description = "Where to run the model: cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        Device.AcceptOnlyFromAmong("cpu", "cuda");
        GpuId = new Option<int>("--gpu_id") { Description = "Which NVIDIA GPU --device cuda runs on: 0 for the first (`nvidia-smi -L` lists them).", DefaultValueFactory = _ => 0 };
    }

    public Option<string?> InputLayer { get; }

    public Option<string?> OutputLayer { get; }

    public Option<int?> InputHeight { get; }

    public Option<int?> InputWidth { get; }

    public Option<float?> InputMean { get; }

    public Option<float?> InputStd { get; }

    public Option<string> Device { get; }

    public Option<int> GpuId { get; }

    public IEnumerable<Option> All => [InputLayer, OutputLayer, InputHeight, InputWidth, InputMean, InputStd, Device, GpuId];

    public ModelOverrides Overrides(ParseResult p) => new(
        p.GetValue(InputLayer),
        p.GetValue(OutputLayer),
        p.GetValue(InputHeight),
        p.GetValue(InputWidth),
        p.GetValue(InputMean),
        p.GetValue(InputStd));

    public InferenceSettings Inference(ParseResult p) =>
        new(p.GetValue(Device) == "cuda" ? ExecutionDevice.Cuda(p.GetValue(GpuId)) : ExecutionDevice.Cpu);
}
