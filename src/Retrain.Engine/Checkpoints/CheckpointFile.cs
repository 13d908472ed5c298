using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.Checkpoints;

namespace Retrain.Checkpoints;

/// <summary>
/// Reads and writes --checkpoint_path: one <see cref="TrainingCheckpoint"/> protobuf, replaced atomically on every
/// save, so the file always holds one complete checkpoint (the last one written) even if the run is killed mid-save.
/// </summary>
public static class CheckpointFile
{
    public const string Format = "retrain.checkpoint.v1";

    /// <summary>The checkpoint at <paramref name="path"/>, or null when there is none yet.</summary>
    public static TrainingCheckpoint? Read(string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot read checkpoint '{path}': {e.Message}", e);
        }

        TrainingCheckpoint checkpoint;
        try
        {
            checkpoint = TrainingCheckpoint.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotACheckpoint(path, e);
        }

        if (checkpoint.Format != Format
            || checkpoint.BottleneckSize <= 0
            || checkpoint.ClassCount <= 0
            || checkpoint.Weights.Count != (long)checkpoint.BottleneckSize * checkpoint.ClassCount
            || checkpoint.Biases.Count != checkpoint.ClassCount
            || checkpoint.StepsDone < 0)
        {
            throw NotACheckpoint(path, null);
        }

        return checkpoint;
    }

    public static void Write(string path, TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        AtomicFile.Write(path, checkpoint, static (stream, c) => c.WriteTo(stream));
    }

    private static RetrainException NotACheckpoint(string path, Exception? inner)
    {
        var message =
            $"'{path}' (--checkpoint_path) is not a checkpoint this version of retrain wrote. Delete it, or pass another --checkpoint_path.";
        return inner is null ? new RetrainException(ExitCode.Usage, message) : new RetrainException(ExitCode.Usage, message, inner);
    }
}
