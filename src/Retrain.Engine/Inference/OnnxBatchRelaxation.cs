using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Retrain.Errors;
using Retrain.Protos.Onnx;

namespace Retrain.Inference;

/// <summary>
/// Runs an ONNX model exported with a fixed batch of 1 (ML.NET's ResNet-18, a torch.onnx export without
/// <c>dynamic_axes</c>) on whole batches, as imported GraphDefs run: the batch dimension of its input and outputs
/// becomes symbolic. Checked once at load, on the CPU: two different inputs run as one batch must give exactly the
/// outputs each gives alone. A model that computes with its batch of 1 (a Reshape to a hard-coded [1, ...]) fails the
/// check and runs one image per call, as it is.
/// </summary>
internal static class OnnxBatchRelaxation
{
    private const string BatchName = "batch";

    /// <summary>
    /// A runner for <paramref name="onnxModel"/>: batched when its fixed batch of 1 could be made symbolic and passed
    /// the check, else as the model is. The caller owns the runner.
    /// </summary>
    public static RelaxedModel Open(byte[] onnxModel, InferenceSettings settings, string? modelPath)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        if (WithSymbolicBatch(onnxModel) is not { } relaxed)
        {
            return new RelaxedModel(ModelRunner.Create(onnxModel, settings, modelPath), onnxModel, null);
        }

        string why;
        ModelRunner? runner = null;
        try
        {
            // The check runs on the CPU, where a batch changes no result bit: a GPU's convolution may pick another
            // algorithm for another batch size, and its last bits with it.
            if (settings.Device.RunsCpuKernels)
            {
                runner = ModelRunner.Create(relaxed, settings, modelPath);
                why = Check(runner) ?? string.Empty;
            }
            else
            {
                using (var onCpu = ModelRunner.Create(relaxed, new InferenceSettings(), modelPath))
                {
                    why = Check(onCpu) ?? string.Empty;
                }

                runner = why.Length == 0 ? ModelRunner.Create(relaxed, settings, modelPath) : null;
            }
        }
        catch (Exception e) when (e is OnnxRuntimeException or RetrainException or InvalidOperationException)
        {
            why = $"a batch of two fails: {e.Message}";
        }

        if (why.Length == 0)
        {
            return new RelaxedModel(runner!, relaxed, "its fixed batch of 1 runs as a dynamic batch (two images batched gave exactly the outputs they give one at a time)");
        }

        runner?.Dispose();
        return new RelaxedModel(ModelRunner.Create(onnxModel, settings, modelPath), onnxModel, $"it runs one image per call as exported with a fixed batch of 1: {why}");
    }

    /// <summary>
    /// The model with the batch dimension of its one input and of its outputs symbolic; null when the input is not
    /// [1, ...] or an output declares a first dimension other than 1.
    /// </summary>
    internal static byte[]? WithSymbolicBatch(byte[] onnxModel)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnxModel);
        }
        catch (InvalidProtocolBufferException)
        {
            return null; // ONNX Runtime's load names the file and says what is wrong
        }

        var graph = model.Graph;
        if (graph is null)
        {
            return null;
        }

        var initializers = graph.Initializer.Select(static i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1 || Dims(inputs[0]) is not { Count: > 1 } inputDims || !IsOne(inputDims[0]))
        {
            return null;
        }

        // An output without a declared shape (a value cut out with --bottleneck_layer) is inferred by ONNX Runtime.
        if (graph.Output.Any(o => Dims(o) is { } d && (d.Count == 0 || !IsOne(d[0]))))
        {
            return null;
        }

        foreach (var value in graph.Output.Prepend(inputs[0]))
        {
            if (Dims(value) is { Count: > 0 } dims)
            {
                dims[0] = new TensorShapeProto.Types.Dimension { DimParam = BatchName };
            }
        }

        // The shapes recorded inside the graph are for a batch of 1: ONNX Runtime infers them again.
        graph.ValueInfo.Clear();
        return model.ToByteArray();
    }

    /// <summary>Why the batched model cannot stand in for the original, or null when it can.</summary>
    private static string? Check(ModelRunner runner)
    {
        if (runner.MaxBatchSize < 2)
        {
            return "ONNX Runtime keeps its batch fixed";
        }

        var size = runner.InputShapePerItem.Aggregate(1L, static (a, d) => a * d);
        var outputSize = runner.OutputSizePerItem;
        var input = new float[2 * size];
        for (var i = 0; i < input.Length; i++)
        {
            // Two different images, smooth enough to look like pixels and with every value distinct.
            input[i] = MathF.Sin(0.001f * i + (i < size ? 0f : 1.3f)) * (i < size ? 1f : 0.7f);
        }

        var batched = new float[2 * outputSize];
        runner.Run(input, 2, batched);
        var alone = new float[outputSize];
        for (var k = 0; k < 2; k++)
        {
            runner.Run(input.AsSpan((int)(k * size), (int)size), 1, alone);
            var together = batched.AsSpan(k * outputSize, outputSize);
            for (var i = 0; i < outputSize; i++)
            {
                if (BitConverter.SingleToInt32Bits(together[i]) != BitConverter.SingleToInt32Bits(alone[i]))
                {
                    return $"image {k + 1} of a batch of two gives {together[i]:R} at output value {i}, alone {alone[i]:R}";
                }
            }
        }

        return null;
    }

    private static Google.Protobuf.Collections.RepeatedField<TensorShapeProto.Types.Dimension>? Dims(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape?.Dim;

    private static bool IsOne(TensorShapeProto.Types.Dimension dim) =>
        dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue == 1;
}
