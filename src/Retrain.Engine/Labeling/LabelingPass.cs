using System.Runtime.ExceptionServices;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Inference;
using Serilog;

namespace Retrain;

/// <summary>
/// label-image's pass over its photos: batches of them decoded on every core, each into one of two
/// <see cref="BatchBuffer"/>s while the batch before it runs from the other, and run in the device's number of photos
/// per call (<see cref="ExecutionDevice.LabelImageBatchSize"/>). Answers and failures come out in the order given.
/// </summary>
internal sealed class LabelingPass
{
    private readonly LoadedModel _model;
    private readonly string[] _labels;
    private readonly int _topK;
    private readonly ILogger _log;
    private readonly int _perCall;
    private readonly List<ImageFailure> _failures = [];

    public LabelingPass(LoadedModel model, string[] labels, int topK, ExecutionDevice device, ILogger log)
    {
        _model = model;
        _labels = labels;
        _topK = topK;
        _log = log;
        _perCall = model.Runner.BatchSizeFor(device.LabelImageBatchSize);
    }

    /// <summary>Photos that could not be read or decoded (only when several were given: a single one's is the error).</summary>
    public IReadOnlyList<ImageFailure> Failures => _failures;

    /// <summary>How many photos were labelled.</summary>
    public int Labelled { get; private set; }

    /// <param name="answer">Called with each photo's labels as soon as they are known, in the order given.</param>
    public void Run(IReadOnlyList<string> images, Action<ImageLabels> answer, CancellationToken ct)
    {
        // Decoding takes every core even where the model runs one photo per call (the CPU).
        var perBatch = Math.Min(images.Count, Math.Max(_perCall, PipelineThreads.DecodeWorkers));
        using var first = _model.Runner.CreateBatchBuffer(perBatch);
        using var second = images.Count > perBatch ? _model.Runner.CreateBatchBuffer(perBatch) : null;
        foreach (var decoded in DecodeAhead(images.Chunk(perBatch), [first, second ?? first], ct))
        {
            Label(decoded, images.Count == 1, answer, ct);
        }
    }

    /// <summary>
    /// The batches decoded in order, each decoding on a task of its own into one of two buffers while the one before it
    /// is labelled from the other: the consumer is done with a buffer before the batch after next decodes into it. A
    /// batch not taken (an error or Ctrl+C while labelling) is cancelled and waited for, so no decoder outlives the
    /// buffers, and whatever it ends with gives way to the error that stopped the labelling.
    /// </summary>
    private IEnumerable<DecodedBatch> DecodeAhead(IEnumerable<string[]> batches, BatchBuffer[] buffers, CancellationToken ct)
    {
        var prep = _model.Preprocessing;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<DecodedBatch>? next = null;
        var count = 0;
        try
        {
            foreach (var batch in batches)
            {
                var current = next;
                var buffer = buffers[count++ % buffers.Length];
                next = Task.Run(() => DecodedBatch.Decode(batch, prep, buffer, stop.Token), stop.Token);
                if (current is not null)
                {
                    yield return current.GetAwaiter().GetResult();
                }
            }

            if (next is not null)
            {
                var last = next;
                next = null;
                yield return last.GetAwaiter().GetResult();
            }
        }
        finally
        {
            if (next is not null)
            {
                stop.Cancel();
                try
                {
                    next.GetAwaiter().GetResult();
                }
                catch (Exception)
                {
                    // Not taken, so not reported: the exception on its way out already says why the labelling stopped.
                }
            }
        }
    }

    /// <summary>
    /// Runs the batch's decoded photos, a call at a time, and reports every photo of it in the order given. One bad
    /// file in a list of many is a warning and a failure (the exit code still reports it); a single photo's is the error.
    /// </summary>
    private void Label(DecodedBatch batch, bool single, Action<ImageLabels> answer, CancellationToken ct)
    {
        if (single && batch.Errors[0] is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        var length = _model.OutputLength;
        var outputs = ReadOnlySpan<float>.Empty;
        var row = 0;
        for (var i = 0; i < batch.Paths.Length; i++)
        {
            if (batch.Errors[i] is { } e)
            {
                _log.Warning("{Message}", e.Message);
                _failures.Add(new ImageFailure(batch.Paths[i], e.Message));
                continue;
            }

            var inCall = row % _perCall;
            if (inCall == 0)
            {
                ct.ThrowIfCancellationRequested();
                outputs = batch.Run(row, Math.Min(_perCall, batch.Decoded - row));
            }

            row++;
            var probabilities = outputs.Slice(inCall * length, length).ToArray();
            var top = probabilities
                .Select((score, index) => new LabelScore(index, _labels[index], score))
                .OrderByDescending(s => s.Score)
                .ThenBy(s => s.Index)
                .Take(_topK)
                .ToList();
            Labelled++;
            answer(new ImageLabels(batch.Paths[i], probabilities, top));
        }
    }
}
