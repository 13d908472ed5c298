using System.Runtime.ExceptionServices;
using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Images;
using Retrain.Inference;

namespace Retrain;

/// <summary>
/// One batch of label-image's photos decoded side by side on every core straight into a <see cref="BatchBuffer"/> (on
/// a GPU, the memory the run binds), with the error of each photo that could not be read or decoded. The photos that
/// decoded are moved up over the gaps such photos leave, so the run covers consecutive slots.
/// </summary>
internal sealed class DecodedBatch
{
    private readonly BatchBuffer _buffer;

    private DecodedBatch(string[] paths, BatchBuffer buffer)
    {
        Paths = paths;
        Errors = new RetrainException?[paths.Length];
        _buffer = buffer;
    }

    public string[] Paths { get; }

    /// <summary>Per photo, why it could not be used; null for one decoded.</summary>
    public RetrainException?[] Errors { get; }

    public int Decoded { get; private set; }

    /// <param name="buffer">At least as many slots as <paramref name="paths"/>, not in use by a run or another batch.</param>
    public static DecodedBatch Decode(string[] paths, ImagePreprocessing prep, BatchBuffer buffer, CancellationToken ct)
    {
        var batch = new DecodedBatch(paths, buffer);
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = PipelineThreads.DecodeWorkers, CancellationToken = ct };
            Parallel.For(0, paths.Length, parallel, i =>
            {
                try
                {
                    ImageLoader.LoadInto(paths[i], prep, buffer.Image(i));
                }
                catch (RetrainException e) when (e.Code == ExitCode.BadImage)
                {
                    batch.Errors[i] = e;
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // A decoder's bug keeps its own stack trace rather than arriving wrapped.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            throw;
        }

        for (var i = 0; i < paths.Length; i++)
        {
            if (batch.Errors[i] is null)
            {
                if (i != batch.Decoded)
                {
                    buffer.Image(i).CopyTo(buffer.Image(batch.Decoded));
                }

                batch.Decoded++;
            }
        }

        return batch;
    }

    /// <summary>
    /// Runs decoded photos <paramref name="start"/> to start + <paramref name="count"/> - 1 as one call; their outputs
    /// are valid until the buffer's or runner's next run.
    /// </summary>
    public ReadOnlySpan<float> Run(int start, int count) => _buffer.Run(start, count);
}
