using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Retrain.Inference.Kernels;

namespace Retrain.Inference.Segments;

/// <summary>
/// A <see cref="SegmentPlan"/> made runnable: one ONNX Runtime session per non-empty stage and a
/// <see cref="WinogradConv3x3"/> per cut-out convolution, passing channels-last values between them through
/// buffers reused from batch to batch. Owns its sessions.
/// </summary>
internal sealed class SegmentedModel : ModelExecution
{
    private readonly List<Step> _steps;
    private readonly RunOptions _runOptions = new();
    private readonly int _threads;
    private readonly int _convolutions;

    // One per RunBuffers the runner keeps, i.e. for its two most recent batch sizes.
    private readonly RecentTwo<Intermediates> _intermediates = new();

    private SegmentedModel(List<Step> steps, int threads, int convolutions)
    {
        _steps = steps;
        _threads = threads;
        _convolutions = convolutions;
    }

    public override IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _steps[0].Session!.InputMetadata;

    public override IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _steps[^1].Session!.OutputMetadata;

    public override int OwnConvolutions => _convolutions;

    /// <summary>
    /// Builds the stages' sessions. Throws <see cref="InvalidOperationException"/> when ONNX Runtime cannot tell a
    /// stage's output shape, which the buffers need; the caller then runs the model whole.
    /// </summary>
    public static SegmentedModel Create(SegmentPlan plan, InferenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        var steps = new List<Step>();
        try
        {
            long[] perItem = [];
            for (var stage = 0; stage < plan.Stages.Count; stage++)
            {
                if (plan.Stages[stage].Count > 0)
                {
                    var session = SessionFactory.Create(plan.StageModel(stage, perItem).ToByteArray(), settings);
                    steps.Add(new Step(session, null, perItem, []));
                    if (stage == plan.Stages.Count - 1)
                    {
                        break;
                    }

                    var (name, output) = session.OutputMetadata.Single();
                    perItem = [.. output.Dimensions.Skip(1).Select(static d => (long)d)];
                    if (output.Dimensions.Length != 4 || perItem.Any(static d => d <= 0))
                    {
                        throw new InvalidOperationException($"stage {stage} output '{name}' has shape [{string.Join(",", output.Dimensions)}]");
                    }

                    steps[^1] = steps[^1] with { OutputPerItem = perItem };
                }

                var conv = plan.Convolutions[stage];
                if (perItem[2] != conv.InChannels)
                {
                    throw new InvalidOperationException($"convolution after stage {stage} expects {conv.InChannels} channels, gets {perItem[2]}");
                }

                var kernel = new WinogradConv3x3(conv.Weights, conv.Bias, conv.OutChannels, conv.InChannels, conv.Pads, conv.Relu);
                var (height, width) = kernel.OutputSize((int)perItem[0], (int)perItem[1]);
                if (height < 1 || width < 1)
                {
                    throw new InvalidOperationException($"convolution after stage {stage} gets a {perItem[0]}x{perItem[1]} input");
                }

                long[] next = [height, width, conv.OutChannels];
                steps.Add(new Step(null, kernel, perItem, next));
                perItem = next;
            }

            return new SegmentedModel(steps, settings.IntraOpThreads > 0 ? settings.IntraOpThreads : Environment.ProcessorCount, plan.Convolutions.Count);
        }
        catch
        {
            steps.ForEach(static s => s.Session?.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Runs every step but the last one image at a time, so the large early activations (a few megabytes per image)
    /// stay in the caches between steps instead of streaming through memory a batch at a time; the last stage, where
    /// the model spends most of its time, runs on the whole batch.
    /// </summary>
    public override void Run(RunBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        var values = IntermediatesFor(buffers);
        var last = _steps.Count - 1;
        for (var n = 0; n < buffers.BatchSize; n++)
        {
            for (var i = 0; i < last; i++)
            {
                var step = _steps[i];
                if (step.Session is { } session)
                {
                    var input = i == 0 ? values.Input(n) : values.Output(i - 1, n);
                    session.Run(_runOptions, step.InputNames, [input], step.OutputNames, [values.Output(i, n)]);
                }
                else
                {
                    step.Kernel!.Run(values.Span(i - 1, n), 1, (int)step.InputPerItem[0], (int)step.InputPerItem[1], values.Span(i, n), _threads);
                }
            }
        }

        var final = _steps[last];
        final.Session!.Run(_runOptions, final.InputNames, [values.Output(last - 1, -1)], final.OutputNames, [buffers.OutputValue]);
    }

    public override void Dispose()
    {
        _intermediates.Dispose();
        _runOptions.Dispose();
        _steps.ForEach(static s => s.Session?.Dispose());
    }

    private Intermediates IntermediatesFor(RunBuffers buffers) =>
        _intermediates.Get(i => i.Buffers == buffers, () => new Intermediates(buffers, _steps));

    /// <param name="OutputPerItem">[H, W, C] of what the step writes; empty for the last.</param>
    private sealed record Step(InferenceSession? Session, WinogradConv3x3? Kernel, long[] InputPerItem, long[] OutputPerItem)
    {
        public string[] InputNames { get; } = Session is null ? [] : [.. Session.InputMetadata.Keys];

        public string[] OutputNames { get; } = Session is null ? [] : [.. Session.OutputMetadata.Keys];
    }

    /// <summary>
    /// What the steps exchange for one <see cref="RunBuffers"/>: each step but the last two writes one image into one
    /// of two alternating one-image arrays; the step before the last writes image n into slot n of a whole-batch
    /// array, which the last step reads. Owns the OrtValues over these arrays and over the input's images (every
    /// value gets one, whichever kind of step reads it).
    /// </summary>
    private sealed class Intermediates : IDisposable
    {
        private readonly float[][] _single;
        private readonly float[] _batch;
        private readonly int[] _lengths;
        private readonly OrtValue[][] _values;
        private readonly OrtValue[] _inputs;
        private readonly OrtValue _batchValue;
        private readonly List<OrtValue> _owned = [];

        public Intermediates(RunBuffers buffers, List<Step> steps)
        {
            Buffers = buffers;
            var batchSize = buffers.BatchSize;
            var shapes = steps.Take(steps.Count - 1).Select(static s => s.OutputPerItem).ToList();
            _lengths = [.. shapes.Select(static s => checked((int)s.Aggregate(1L, static (a, d) => a * d)))];
            var largest = _lengths.Take(_lengths.Length - 1).DefaultIfEmpty(0).Max();
            _single = [GC.AllocateUninitializedArray<float>(largest, pinned: true), GC.AllocateUninitializedArray<float>(largest, pinned: true)];
            _batch = GC.AllocateUninitializedArray<float>(checked(_lengths[^1] * batchSize), pinned: true);
            try
            {
                var inputLength = buffers.Input.Length / batchSize;
                var inputShape = steps[0].Session!.InputMetadata.Values.Single().Dimensions.Skip(1).Select(static d => (long)d).ToArray();
                _inputs = [.. Enumerable.Range(0, batchSize).Select(n => Own(buffers.Input, n * inputLength, inputLength, [1, .. inputShape]))];
                _values = new OrtValue[shapes.Count][];
                for (var i = 0; i < shapes.Count - 1; i++)
                {
                    _values[i] = [Own(_single[i % 2], 0, _lengths[i], [1, .. shapes[i]])];
                }

                var lastShape = shapes[^1];
                _values[^1] = [.. Enumerable.Range(0, batchSize).Select(n => Own(_batch, n * _lengths[^1], _lengths[^1], [1, .. lastShape]))];
                _batchValue = Own(_batch, 0, _batch.Length, [batchSize, .. lastShape]);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public RunBuffers Buffers { get; }

        /// <summary>The OrtValue over image <paramref name="n"/> of the batch's input.</summary>
        public OrtValue Input(int n) => _inputs[n];

        /// <summary>The OrtValue over what step <paramref name="step"/> writes for image <paramref name="n"/> (-1: the whole batch).</summary>
        public OrtValue Output(int step, int n) =>
            step < _values.Length - 1 ? _values[step][0] : n < 0 ? _batchValue : _values[step][n];

        /// <summary>What step <paramref name="step"/> writes for image <paramref name="n"/> (step -1: the input).</summary>
        public Span<float> Span(int step, int n) =>
            step < 0 ? Buffers.Input.AsSpan(n * (Buffers.Input.Length / Buffers.BatchSize), Buffers.Input.Length / Buffers.BatchSize)
            : step < _lengths.Length - 1 ? _single[step % 2].AsSpan(0, _lengths[step])
            : _batch.AsSpan(n * _lengths[step], _lengths[step]);

        public void Dispose() => _owned.ForEach(static v => v.Dispose());

        private OrtValue Own(float[] array, int start, int length, long[] shape)
        {
            var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(array, start, length), shape);
            _owned.Add(value);
            return value;
        }
    }
}
