using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference.Kernels;
using Retrain.Inference.Segments;
using Retrain.Protos.Onnx;

namespace Retrain.Inference;

/// <summary>
/// Runs a single-input, single-output float ONNX model on batches held in caller-owned spans. Thread-compatible,
/// not thread-safe: one thread at a time per runner (it reuses its input/output buffers between calls); use one
/// runner per thread for parallel inference.
/// </summary>
internal sealed class ModelRunner : IDisposable
{
    private readonly ModelExecution _execution;
    private readonly long[] _outputShapePerItem;
    private readonly bool _batchIsDynamic;
    private readonly int _largestBatch;

    private readonly RecentTwo<RunBuffers> _buffers = new();
    private bool _disposed;

    private ModelRunner(ModelExecution execution, ModelSignature signature)
    {
        _execution = execution;
        InputName = signature.InputName;
        OutputName = signature.OutputName;
        _batchIsDynamic = signature.BatchIsDynamic;
        MaxBatchSize = signature.BatchIsDynamic ? int.MaxValue : 1;
        InputShapePerItem = signature.InputShapePerItem;
        _outputShapePerItem = signature.OutputShapePerItem;
        InputSizePerItem = checked((int)Product(InputShapePerItem));
        OutputSizePerItem = checked((int)Product(_outputShapePerItem));

        // A batch's input and output each live in one array.
        _largestBatch = signature.BatchIsDynamic ? Math.Max(1, Array.MaxLength / Math.Max(InputSizePerItem, OutputSizePerItem)) : 1;
    }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>1 when the model's batch dimension is fixed at 1, else <see cref="int.MaxValue"/>.</summary>
    public int MaxBatchSize { get; }

    /// <summary>
    /// <paramref name="requested"/> cut to what one call runs: 1 for a fixed batch, else at most the items whose input
    /// and output each fit in one array (two images of a 16384x16384 input, over 8,000 of Inception's).
    /// </summary>
    public int BatchSizeFor(int requested) => Math.Clamp(requested, 1, _largestBatch);

    /// <summary>The input shape of one item, without the batch dimension, e.g. [224,224,3].</summary>
    public long[] InputShapePerItem { get; }

    /// <summary>Number of input values per item, e.g. 224x224x3.</summary>
    internal int InputSizePerItem { get; }

    /// <summary>Number of output values per item, e.g. 1001.</summary>
    public int OutputSizePerItem { get; }

    /// <summary>How many of the model's convolutions retrain's own kernel computes (see <see cref="InferenceSettings.WinogradConvolutions"/>).</summary>
    public int OwnConvolutions => _execution.OwnConvolutions;

    /// <summary>Where batches wait on the host before the model reads them, e.g. the CUDA provider's page-locked memory.</summary>
    public string BatchMemory => _execution.BatchMemory;

    /// <summary>
    /// Creates a runner for a serialized ONNX model. Throws <see cref="RetrainException"/> with
    /// <see cref="ExitCode.DeviceUnavailable"/> when the device cannot be used and <see cref="ExitCode.BadModel"/>
    /// when the model is not a single float input -> single float output model with known per-item shapes.
    /// </summary>
    /// <param name="modelPath">The model's file, named in a load failure; null for one made in memory.</param>
    public static ModelRunner Create(byte[] onnxModel, InferenceSettings settings, string? modelPath = null)
    {
        var execution = CreateExecution(onnxModel, settings, modelPath);
        try
        {
            return new ModelRunner(execution, ModelSignature.Read(execution, modelPath));
        }
        catch
        {
            execution.Dispose();
            throw;
        }
    }

    /// <summary>Creates a runner for an imported TF graph.</summary>
    public static ModelRunner Create(ImportedGraph graph, InferenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Create(graph.OnnxModel, settings);
    }

    /// <summary>
    /// Runs <paramref name="batchSize"/> items: <paramref name="input"/> holds them back to back in the model's
    /// layout (NHWC for imported graphs) and <paramref name="output"/> receives batchSize x
    /// <see cref="OutputSizePerItem"/> values.
    /// </summary>
    public void Run(ReadOnlySpan<float> input, int batchSize, Span<float> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, MaxBatchSize);
        var inputCount = (long)batchSize * InputSizePerItem;
        var outputCount = (long)batchSize * OutputSizePerItem;
        if (input.Length != inputCount)
        {
            throw new ArgumentException($"expected {inputCount} input values for a batch of {batchSize}, got {input.Length}", nameof(input));
        }

        if (output.Length < outputCount)
        {
            throw new ArgumentException($"output holds {output.Length} values, a batch of {batchSize} needs {outputCount}", nameof(output));
        }

        var buffers = BuffersFor(batchSize);
        input.CopyTo(buffers.Input);
        RunsOnOwnBuffers++;
        _execution.Run(buffers);
        buffers.Output[..(int)outputCount].CopyTo(output);
    }

    /// <summary>
    /// The runner's own pinned input buffer for a batch of <paramref name="batchSize"/>: a caller that fills it and
    /// calls <see cref="RunInPlace"/> saves the copy <see cref="Run"/> makes (a megabyte per Inception image). Valid
    /// until the next call with another batch size.
    /// </summary>
    public Span<float> InputFor(int batchSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, MaxBatchSize);
        return BuffersFor(batchSize).Input;
    }

    /// <summary>
    /// Runs the batch held in <see cref="InputFor"/>'s buffer and returns the batchSize x
    /// <see cref="OutputSizePerItem"/> outputs, read in place from the runner's buffer: valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> RunInPlace(int batchSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, MaxBatchSize);
        var buffers = BuffersFor(batchSize);
        RunsOnOwnBuffers++;
        _execution.Run(buffers);
        return buffers.Output[..(batchSize * OutputSizePerItem)];
    }

    /// <summary>
    /// Room for <paramref name="capacity"/> images that decoders fill in place and <see cref="BatchBuffer.Run"/> runs on
    /// this runner, at most as many at a time as one call takes (it may hold more: a training step's images, run in
    /// chunks of the inference batch): in the execution's own host memory where it reads
    /// batches there (a GPU's page-locked memory, read by the run in place), else in a managed array copied into this
    /// runner's buffers. The caller disposes it before this.
    /// </summary>
    internal BatchBuffer CreateBatchBuffer(int capacity)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, Array.MaxLength / Math.Max(InputSizePerItem, OutputSizePerItem));
        return ReadsBatchesInPlace
            ? new BoundBatchBuffer(
                _execution,
                _execution.CreateBuffers(capacity, [capacity, .. InputShapePerItem], [capacity, .. _outputShapePerItem]),
                InputShapePerItem,
                _outputShapePerItem)
            : new CopiedBatchBuffer(this, capacity);
    }

    /// <summary>
    /// Whether decoders write batches in the memory the model reads (see <see cref="CreateBatchBuffer"/>). A model with
    /// a fixed batch of one runs an image per call, copied as on the CPU.
    /// </summary>
    internal bool ReadsBatchesInPlace => _batchIsDynamic && _execution.ReadsBatchesInPlace;

    /// <summary>
    /// Runs of the runner's own buffers (<see cref="Run"/>, <see cref="RunInPlace"/>), each batch copied or written there:
    /// none where every batch came in a buffer of its own (<see cref="CreateBatchBuffer"/> on a device); the tests count them.
    /// </summary>
    internal long RunsOnOwnBuffers { get; private set; }

    /// <summary>The execution, for the tests that look at what it bound.</summary>
    internal ModelExecution Execution => _execution;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _buffers.Dispose();
        _execution.Dispose();
    }

    private static ModelExecution CreateExecution(byte[] onnxModel, InferenceSettings settings, string? modelPath)
    {
        if (settings.Device.RunsCpuKernels && settings.WinogradConvolutions && WinogradConv3x3.IsHardwareSupported)
        {
            SegmentPlan? plan = null;
            try
            {
                plan = SegmentPlan.TryCreate(ModelProto.Parser.ParseFrom(onnxModel));
            }
            catch (InvalidProtocolBufferException)
            {
                // Not a model: the session below says so, naming the file.
            }

            if (plan is not null)
            {
                try
                {
                    // ONNX Runtime's threads must sleep between its stages: spinning, they would hold the cores the
                    // kernel's own threads need. The stages share one arena, which keeps the peak memory below an
                    // arena per stage and below one plain session (figures in docs/performance.md).
                    return SegmentedModel.Create(plan, settings with { AllowSpinning = false, SharedArena = true });
                }
                catch (Exception e) when (e is InvalidOperationException or RetrainException)
                {
                    // A stage ONNX Runtime will not load or shape: the whole model still runs, only without the kernel.
                }
            }
        }

        return settings.Device.CreateWholeModel(SessionFactory.Create(onnxModel, settings, modelPath));
    }

    private RunBuffers BuffersFor(int batchSize) =>
        _buffers.Get(
            b => b.BatchSize == batchSize,
            () => _execution.CreateBuffers(
                batchSize,
                [batchSize, .. InputShapePerItem],
                _batchIsDynamic ? [batchSize, .. _outputShapePerItem] : _outputShapePerItem));

    private static long Product(long[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>The model's single input and output as ONNX Runtime reports them, checked for what Run supports.</summary>
    private sealed record ModelSignature(string InputName, string OutputName, bool BatchIsDynamic, long[] InputShapePerItem, long[] OutputShapePerItem)
    {
        public static ModelSignature Read(ModelExecution session, string? modelPath)
        {
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
            {
                throw Bad(
                    modelPath,
                    $"it has {session.InputMetadata.Count} input(s) ({string.Join(", ", session.InputMetadata.Keys)}) and " +
                    $"{session.OutputMetadata.Count} output(s) ({string.Join(", ", session.OutputMetadata.Keys)}); exactly one of each is supported. " +
                    (session.OutputMetadata.Count > 1 && session.InputMetadata.Count == 1
                        ? $"Name the output to use with {Flags.BottleneckLayer} (retrain) or {Flags.OutputLayer} (label-image)"
                        : "Export the model with only the input and the output to use"));
            }

            var (inputName, input) = session.InputMetadata.First();
            var (outputName, output) = session.OutputMetadata.First();
            if (!input.IsTensor || input.ElementDataType != TensorElementType.Float ||
                !output.IsTensor || output.ElementDataType != TensorElementType.Float)
            {
                throw Bad(modelPath, "its input and output must be float32 tensors");
            }

            var inputDims = input.Dimensions;
            var outputDims = output.Dimensions;
            if (inputDims.Length == 0 || inputDims.Skip(1).Any(static d => d <= 0))
            {
                throw Bad(modelPath, $"input '{inputName}' has shape [{string.Join(",", inputDims)}]; only the batch dimension may be unknown");
            }

            var dynamic = inputDims[0] < 0;
            if (!dynamic && inputDims[0] != 1)
            {
                throw Bad(modelPath, $"input '{inputName}' has a fixed batch of {inputDims[0]}; only a batch of 1 or a dynamic batch is supported");
            }

            var inputPerItem = inputDims.Skip(1).Select(static d => (long)d).ToArray();
            if (!ImageInputLimit.Fits(inputPerItem))
            {
                throw Bad(modelPath, $"input '{inputName}' has shape [{string.Join(",", inputDims)}], more per image than retrain feeds ({ImageInputLimit.Describe})");
            }

            long[] outputPerItem;
            if (dynamic)
            {
                if (outputDims.Length == 0 || outputDims[0] >= 0 || outputDims.Skip(1).Any(static d => d <= 0))
                {
                    throw Bad(modelPath, $"output '{outputName}' has shape [{string.Join(",", outputDims)}]; with a dynamic batch it must be [batch, known sizes...]");
                }

                outputPerItem = outputDims.Skip(1).Select(static d => (long)d).ToArray();
            }
            else
            {
                if (outputDims.Any(static d => d <= 0))
                {
                    throw Bad(modelPath, $"output '{outputName}' has shape [{string.Join(",", outputDims)}] with unknown dimensions");
                }

                outputPerItem = outputDims.Select(static d => (long)d).ToArray();
            }

            if (!ImageInputLimit.Fits(outputPerItem))
            {
                throw Bad(modelPath, $"output '{outputName}' has shape [{string.Join(",", outputDims)}], more per image than retrain takes back ({ImageInputLimit.Describe})");
            }

            return new ModelSignature(inputName, outputName, dynamic, inputPerItem, outputPerItem);
        }

        private static RetrainException Bad(string? modelPath, string why) =>
            new(ExitCode.BadModel, $"The ONNX model{(modelPath is null ? string.Empty : $" '{modelPath}'")} cannot be run by retrain or label-image: {why}.");
    }
}
