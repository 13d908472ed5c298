using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Training;
using Retrain.Progress;
using Serilog;

namespace Retrain.Distortions;

/// <summary>
/// Training batches of freshly distorted photos, retrain.py's <c>get_random_distorted_bottlenecks</c>: each step picks
/// its images as the cached batches do (a class uniformly, then one of its images), distorts each one
/// (<see cref="DistortionSettings.Draw"/>) and runs them through the backbone. retrain.py did this one image at a time
/// through the whole network (tensorflow#1882); here the step's images are decoded and distorted on one worker per
/// core straight into the slots of one batch buffer from a <see cref="BatchRing"/> (on a GPU, page-locked memory
/// that the run reads in place), which the model runs while the workers already fill the next step's, so the cores
/// stay busy and the trainer rarely waits.
/// </summary>
/// <remarks>
/// Step <c>s</c> draws from its own generator, seeded by (seed, s): the batches do not depend on the trainer's
/// generator or on how far ahead the pipeline runs, so a resumed run gets the same distorted batches as an
/// uninterrupted one, and <see cref="Skip"/> has nothing to replay.
/// </remarks>
internal sealed class DistortedBatches : ITrainingBatches, IDisposable
{
    /// <summary>Steps prepared ahead of the trainer: one being decoded, one being run, two finished.</summary>
    private const int StepsAhead = 2;

    private readonly LoadedModel _model;
    private readonly LabeledVectors _training;
    private readonly BatchSampler _sampler;
    private readonly int _batchSize;
    private readonly int _inferenceBatchSize;
    private readonly DistortionSettings _distortions;
    private readonly ImageDecodeOptions _decode;
    private readonly int _seed;
    private readonly int _steps;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop;
    private readonly Channel<StepInput> _decoded = Channel.CreateBounded<StepInput>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    private readonly Channel<StepVectors> _ready = Channel.CreateBounded<StepVectors>(new BoundedChannelOptions(StepsAhead) { SingleReader = true, SingleWriter = true });
    private readonly BatchRing _inputs;
    private readonly ConcurrentBag<float[]> _vectorPool = [];
    private readonly Task _decoder;
    private readonly Task _runner;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Stopwatch _waiting = new();
    private int _nextStep;
    private float[]? _handedOut;
    private readonly int _firstStep;
    private TimeSpan _lastProgress;
    private long _imagesRun;
    private bool _progressStarted;
    private bool _progressFinished;

    /// <param name="training">The training part: its paths and labels are the photos to distort.</param>
    /// <param name="firstStep">The step the trainer starts at (after a resumed checkpoint's steps).</param>
    public DistortedBatches(
        LoadedModel model,
        LabeledVectors training,
        int classCount,
        TrainingSettings settings,
        int firstStep,
        int inferenceBatchSize,
        ImageDecodeOptions decode,
        ILogger log,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.TrainBatchSize);
        if (training.Count == 0)
        {
            throw new ArgumentException("There are no training images to distort.", nameof(training));
        }

        this._model = model;
        this._training = training;
        _sampler = new BatchSampler(training, classCount);
        _batchSize = settings.TrainBatchSize;
        this._inferenceBatchSize = model.Runner.BatchSizeFor(inferenceBatchSize);
        _distortions = settings.Distortions;
        this._decode = decode ?? ImageDecodeOptions.Default;
        _seed = settings.Seed;
        _steps = settings.Steps;
        this._log = log;
        _nextStep = firstStep;
        this._firstStep = firstStep;
        _inputs = new BatchRing(model.Runner, _batchSize);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _decoder = Task.Run(() => DecodeSteps(firstStep, _stop.Token), CancellationToken.None);
        _runner = Task.Run(() => RunSteps(_stop.Token), CancellationToken.None);
    }

    public int MaxRows => _batchSize;

    /// <summary>Gets the steps instead of the periodic progress lines (a terminal's bar); null = log them.</summary>
    public IProgressSink? Progress { get; init; }

    /// <summary>Images distorted and run through the backbone so far.</summary>
    public long ImagesRun => Interlocked.Read(ref _imagesRun);

    /// <summary>Time the trainer spent waiting for a batch: near zero when training keeps pace with the pipeline.</summary>
    public TimeSpan Waited => _waiting.Elapsed;

    /// <summary>
    /// The generator of step <paramref name="step"/>'s draws. System.Random's seeded algorithm is fixed across .NET
    /// versions, so the same (seed, step) names the same images and distortions on every machine.
    /// </summary>
    internal static Random StepRandom(int seed, int step) => new(unchecked((seed * 1_000_003) ^ (step * 7_919) ^ 0x5EED));

    public LabeledVectors Next(int step, Random rng, Span<int> rows, out int count, CancellationToken ct)
    {
        if (step != _nextStep)
        {
            throw new InvalidOperationException($"Distorted batches come in step order: expected step {_nextStep}, asked for {step}.");
        }

        if (_handedOut is not null)
        {
            _vectorPool.Add(_handedOut);
            _handedOut = null;
        }

        if (Progress is not null && !_progressStarted)
        {
            _progressStarted = true;
            Progress.Start("Distorted training", _steps - _firstStep, ProgressUnit.Steps);
        }

        _waiting.Start();
        StepVectors batch;
        try
        {
            batch = ReadNext(_ready.Reader, ct);
        }
        finally
        {
            _waiting.Stop();
        }

        Debug.Assert(batch.Step == step, "the pipeline produces steps in order");
        _nextStep++;
        _handedOut = batch.Vectors;
        count = batch.Labels.Length;
        for (var i = 0; i < count; i++)
        {
            rows[i] = i;
        }

        if (Progress is not null)
        {
            Progress.Advance(step + 1 - _firstStep);
        }
        else
        {
            ReportProgress(step);
        }

        var length = _model.OutputLength;
        return new LabeledVectors(length, batch.Vectors.AsMemory(0, count * length), batch.Labels, batch.Paths);
    }

    /// <summary>One line on what distorting cost, for the log after training.</summary>
    public void LogSummary()
    {
        FinishProgress();
        var seconds = _clock.Elapsed.TotalSeconds;
        var stepsRun = ImagesRun / (double)_batchSize;
        _log.Information(
            "Distorted {Images} training images in {Seconds:0.0} s: {PerStep:0.000} s per step, {Rate:0.0} images/s; training waited {Waited:0.0} s for them",
            ImagesRun,
            seconds,
            seconds / Math.Max(stepsRun, 1),
            ImagesRun / Math.Max(seconds, 1e-3),
            Waited.TotalSeconds);
    }

    public void Skip(int step, Random rng, Span<int> rows)
    {
        // Nothing to replay: each step's draws come from StepRandom, not from the trainer's generator.
    }

    public void Dispose()
    {
        FinishProgress();
        _stop.Cancel();
        try
        {
            Task.WaitAll([_decoder, _runner], TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Cancelled, or failed with an error the trainer has already received through Next.
        }

        // A decoder still writing (the wait ran out) may be writing into a batch buffer: the buffers are then left to
        // the process rather than freed under it.
        if (_decoder.IsCompleted && _runner.IsCompleted)
        {
            _inputs.Dispose();
        }

        _stop.Dispose();
    }

    private static T ReadNext<T>(ChannelReader<T> reader, CancellationToken ct)
    {
        T? item;
        while (!reader.TryRead(out item))
        {
            // WaitToReadAsync rethrows the error a stage completed the channel with, stack trace intact.
            if (!reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                throw new InvalidOperationException("The distortion pipeline ended before the last training step.");
            }
        }

        return item;
    }

    private async Task DecodeSteps(int firstStep, CancellationToken ct)
    {
        try
        {
            var prep = _model.Preprocessing;
            var workers = new ParallelOptions { MaxDegreeOfParallelism = PipelineThreads.DecodeWorkers, CancellationToken = ct };
            for (var step = firstStep; step < _steps; step++)
            {
                var rng = StepRandom(_seed, step);
                var rows = new int[_batchSize];
                _sampler.Next(_batchSize, rng, rows);
                var drawn = new Distortion[_batchSize];
                for (var i = 0; i < _batchSize; i++)
                {
                    drawn[i] = _distortions.Draw(rng, prep.Height, prep.Width);
                }

                var input = await _inputs.AcquireAsync(ct);
                var current = step;
                Parallel.For(0, _batchSize, workers, i =>
                {
                    var path = _training.Paths[rows[i]];
                    try
                    {
                        using var file = EncodedImageFile.Read(path);
                        ImageLoader.LoadDistortedInto(file.Span, path, prep, drawn[i], input.Image(i), _decode);
                    }
                    catch (RetrainException e) when (e.Code == ExitCode.BadImage)
                    {
                        throw new RetrainException(
                            ExitCode.BadImage,
                            $"{e.Message} This training image was readable when its bottleneck was computed, but not at training step {current}: " +
                            "was it changed or removed while retrain ran? Restore it (or remove it and run again).",
                            e);
                    }
                });

                var labels = rows.Select(r => _training.Labels[r]).ToArray();
                var paths = rows.Select(r => _training.Paths[r]).ToArray();
                await _decoded.Writer.WriteAsync(new StepInput(step, labels, paths, input), ct);
            }

            _decoded.Writer.Complete();
        }
        catch (Exception e)
        {
            // Parallel.For wraps what the workers threw; the trainer should see the bad image's own message.
            var cause = e is AggregateException all
                ? all.Flatten().InnerExceptions.FirstOrDefault(x => x is RetrainException) ?? all.Flatten().InnerExceptions[0]
                : e;
            _decoded.Writer.Complete(cause);
        }
    }

    private async Task RunSteps(CancellationToken ct)
    {
        try
        {
            var length = _model.OutputLength;
            while (await _decoded.Reader.WaitToReadAsync(ct))
            {
                while (_decoded.Reader.TryRead(out var input))
                {
                    var vectors = _vectorPool.TryTake(out var pooled) ? pooled : new float[_batchSize * length];
                    var count = input.Labels.Length;
                    for (var start = 0; start < count; start += _inferenceBatchSize)
                    {
                        ct.ThrowIfCancellationRequested();
                        var n = Math.Min(_inferenceBatchSize, count - start);
                        var output = input.Pixels.Run(start, n)[..(n * length)];
                        BottleneckValues.EnsureFinite(output, _model, i => input.Paths[start + i]);
                        output.CopyTo(vectors.AsSpan(start * length, n * length));
                    }

                    _inputs.Release(input.Pixels);
                    Interlocked.Add(ref _imagesRun, count);
                    await _ready.Writer.WriteAsync(new StepVectors(input.Step, input.Labels, input.Paths, vectors), ct);
                }
            }

            _ready.Writer.Complete();
        }
        catch (Exception e)
        {
            _ready.Writer.Complete(e);
        }
    }

    // Once, whether training ended (LogSummary) or failed (Dispose), before what follows is logged.
    private void FinishProgress()
    {
        if (_progressStarted && !_progressFinished)
        {
            _progressFinished = true;
            Progress?.Finish();
        }
    }

    /// <summary>Every 30 s: distorted training is the long part of such a run, so it gets its own rate and ETA.</summary>
    private void ReportProgress(int step)
    {
        if (_clock.Elapsed - _lastProgress < TimeSpan.FromSeconds(30))
        {
            return;
        }

        _lastProgress = _clock.Elapsed;
        var perStep = _clock.Elapsed.TotalSeconds / Math.Max(1, ImagesRun / (double)_batchSize);
        _log.Information(
            "Distorted training: step {Step}/{Steps}, {PerStep:0.00} s per step ({Rate:0.0} images/s), about {Eta:hh\\:mm\\:ss} left",
            step + 1,
            _steps,
            perStep,
            ImagesRun / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3),
            TimeSpan.FromSeconds(perStep * (_steps - step - 1)));
    }

    private sealed record StepInput(int Step, int[] Labels, string[] Paths, BatchBuffer Pixels);

    private sealed record StepVectors(int Step, int[] Labels, string[] Paths, float[] Vectors);
}
