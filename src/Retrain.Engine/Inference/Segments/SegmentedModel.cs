using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Retrain.Inference.Kernels;

namespace Retrain.Inference.Segments;

/// <summary>
/// A <see cref="SegmentPlan"/> made runnable: one ONNX Runtime session per stage and a <see cref="WinogradConv3x3"/>
/// per cut-out convolution, exchanging values through buffers reused from batch to batch. Owns its sessions.
/// </summary>
internal sealed class SegmentedModel : ModelExecution
{
    private readonly SegmentPlan _plan;
    private readonly List<Step> _steps;
    private readonly Dictionary<string, long[]> _shapes;
    private readonly RunOptions _runOptions = new();
    private readonly int _threads;

    // One per RunBuffers the runner keeps, i.e. for its two most recent batch sizes.
    private readonly RecentTwo<StepValues> _values = new();

    private SegmentedModel(SegmentPlan plan, List<Step> steps, Dictionary<string, long[]> shapes, int threads)
    {
        _plan = plan;
        _steps = steps;
        _shapes = shapes;
        _threads = threads;
    }

    public override IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _steps[0].Session!.InputMetadata;

    public override IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _steps[^1].Session!.OutputMetadata;

    public override int OwnConvolutions => _plan.Convolutions.Count;

    /// <summary>
    /// Builds the stages' sessions and the kernels. Throws <see cref="InvalidOperationException"/> when ONNX Runtime
    /// cannot tell the shape of a value a stage hands on, which the buffers need; the caller then runs the model whole.
    /// </summary>
    public static SegmentedModel Create(SegmentPlan plan, InferenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        var steps = new List<Step>();
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        try
        {
            for (var index = 0; index < plan.Steps.Count; index++)
            {
                var step = plan.Steps[index];
                if (step.Convolution is not { } conv)
                {
                    var (model, inputNames, outputNames) = plan.StageModel(index, v => shapes[v]);
                    var session = SessionFactory.Create(model.ToByteArray(), settings);
                    steps.Add(new Step(session, null, inputNames, outputNames));
                    if (index == 0)
                    {
                        shapes[plan.Input.Name] = [.. session.InputMetadata[inputNames.Single()].Dimensions.Skip(1).Select(static d => (long)d)];
                    }

                    for (var i = 0; i < outputNames.Length; i++)
                    {
                        if (step.Outputs[i] != plan.Output)
                        {
                            shapes[step.Outputs[i]] = KnownShape(session.OutputMetadata[outputNames[i]].Dimensions, index, outputNames[i]);
                        }
                    }

                    continue;
                }

                if (shapes[conv.Input] is not [var height, var width, var channels] || channels != conv.InChannels)
                {
                    throw new InvalidOperationException($"convolution at step {index} expects [H, W, {conv.InChannels}], gets [{string.Join(",", shapes[conv.Input])}]");
                }

                var kernel = new WinogradConv3x3(conv.Weights, conv.Bias, conv.OutChannels, conv.InChannels, conv.Pads, conv.Relu);
                var (outHeight, outWidth) = kernel.OutputSize((int)height, (int)width);
                if (outHeight < 1 || outWidth < 1)
                {
                    throw new InvalidOperationException($"convolution at step {index} gets a {height}x{width} input");
                }

                shapes[conv.Output] = [outHeight, outWidth, conv.OutChannels];
                steps.Add(new Step(null, kernel, [], []));
            }

            return new SegmentedModel(plan, steps, shapes, settings.IntraOpThreads > 0 ? settings.IntraOpThreads : Environment.ProcessorCount);
        }
        catch
        {
            steps.ForEach(static s => s.Session?.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Runs the plan's leading chain of steps one image at a time, so the large early activations (a few megabytes
    /// per image) stay in the caches between steps instead of streaming through memory a batch at a time; the rest,
    /// where the model spends most of its time, runs on the whole batch.
    /// </summary>
    public override void Run(RunBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);

        // The stages address the batch image by image in its arrays: CreateBuffers (the base's) made them so.
        var arrays = (ArrayRunBuffers)buffers;
        var values = _values.Get(v => v.Buffers == arrays, () => new StepValues(_plan, _shapes, arrays));
        for (var n = 0; n < buffers.BatchSize; n++)
        {
            for (var i = 0; i < _plan.PerImageSteps; i++)
            {
                RunStep(i, values, n);
            }
        }

        for (var i = _plan.PerImageSteps; i < _steps.Count; i++)
        {
            RunStep(i, values, -1);
        }
    }

    public override void Dispose()
    {
        _values.Dispose();
        _runOptions.Dispose();
        _steps.ForEach(static s => s.Session?.Dispose());
    }

    private static long[] KnownShape(int[] dimensions, int step, string name)
    {
        long[] perItem = [.. dimensions.Skip(1).Select(static d => (long)d)];
        if (dimensions.Length < 2 || perItem.Any(static d => d <= 0))
        {
            throw new InvalidOperationException($"step {step} output '{name}' has shape [{string.Join(",", dimensions)}]");
        }

        return perItem;
    }

    /// <param name="n">The image of the batch, or -1 for the whole batch.</param>
    private void RunStep(int index, StepValues values, int n)
    {
        var step = _steps[index];
        if (step.Session is { } session)
        {
            session.Run(_runOptions, step.InputNames, values.Inputs(index, n), step.OutputNames, values.Outputs(index, n));
            return;
        }

        var conv = _plan.Steps[index].Convolution!;
        var input = _shapes[conv.Input];
        var images = n < 0 ? values.Buffers.BatchSize : 1;
        step.Kernel!.Run(values.Span(conv.Input, n), images, (int)input[0], (int)input[1], values.Span(conv.Output, n), _threads);
    }

    private sealed record Step(InferenceSession? Session, WinogradConv3x3? Kernel, string[] InputNames, string[] OutputNames);
}
