using System.Buffers;
using System.Runtime.ExceptionServices;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Images;
using Retrain.Inference;

namespace Retrain;

/// <summary>
/// One batch of label-image's photos decoded side by side on every core into a pooled array, with the error of each
/// photo that could not be read or decoded. Returns its array when disposed.
/// </summary>
internal sealed class DecodedBatch : IDisposable
{
    private readonly int _tensorLength;
    private float[]? _pixels;

    private DecodedBatch(string[] paths, int tensorLength)
    {
        Paths = paths;
        Errors = new RetrainException?[paths.Length];
        _tensorLength = tensorLength;
        _pixels = ArrayPool<float>.Shared.Rent(paths.Length * tensorLength);
    }

    public string[] Paths { get; }

    /// <summary>Per photo, why it could not be used; null for one decoded.</summary>
    public RetrainException?[] Errors { get; }

    public int Decoded => Errors.Count(e => e is null);

    public static DecodedBatch Decode(string[] paths, ImagePreprocessing prep, CancellationToken ct)
    {
        var batch = new DecodedBatch(paths, prep.TensorLength);
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = PipelineThreads.DecodeWorkers, CancellationToken = ct };
            Parallel.For(0, paths.Length, parallel, i =>
            {
                try
                {
                    ImageLoader.LoadInto(paths[i], prep, batch._pixels.AsSpan(i * batch._tensorLength, batch._tensorLength));
                }
                catch (RetrainException e) when (e.Code == ExitCode.BadImage)
                {
                    batch.Errors[i] = e;
                }
            });
            return batch;
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // A decoder's bug keeps its own stack trace rather than arriving wrapped.
            batch.Dispose();
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            throw;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>Runs the decoded photos, in order, as one call; their outputs are valid until the runner's next call.</summary>
    public ReadOnlySpan<float> Run(ModelRunner runner)
    {
        ObjectDisposedException.ThrowIf(_pixels is null, this);
        var count = Decoded;
        var input = runner.InputFor(count);
        var row = 0;
        for (var i = 0; i < Paths.Length; i++)
        {
            if (Errors[i] is null)
            {
                _pixels.AsSpan(i * _tensorLength, _tensorLength).CopyTo(input.Slice(row++ * _tensorLength, _tensorLength));
            }
        }

        return runner.RunInPlace(count);
    }

    public void Dispose()
    {
        if (_pixels is { } pixels)
        {
            _pixels = null;
            ArrayPool<float>.Shared.Return(pixels);
        }
    }
}
