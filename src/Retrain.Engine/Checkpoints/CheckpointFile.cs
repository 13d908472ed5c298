using System.Buffers.Binary;
using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.Checkpoints;

namespace Retrain.Checkpoints;

/// <summary>
/// Reads and writes --checkpoint_path: one <see cref="TrainingCheckpoint"/> protobuf, replaced atomically on every
/// save, so the file always holds one complete checkpoint (the last one written) even if the run is killed mid-save.
/// Its last field is a CRC-32C of every byte before it: a few bytes damaged on disk or in a copy still parse (into
/// other weights, or another step count), so without it a damaged checkpoint would be trained on silently.
/// </summary>
internal static class CheckpointFile
{
    public const string Format = "retrain.checkpoint.v3";

    /// <summary>The format before the head and the optimizer's state were saved (its checksum was field 21).</summary>
    internal const string HeadlessFormat = "retrain.checkpoint.v2";

    /// <summary>The format before the checksum: the same fields, but nothing proves them undamaged.</summary>
    internal const string UncheckedFormat = "retrain.checkpoint.v1";

    private const string Advice = $"Delete it to start over, or pass another {Flags.CheckpointPath}.";

    private static readonly InputRole Role = new(
        $"checkpoint ({Flags.CheckpointPath})",
        ExitCode.IoError,
        "Pass the path of a regular file retrain may read and write; a missing file starts a new checkpoint.");

    /// <summary>The field's tag and the 4 CRC bytes, always the file's end.</summary>
    private static int TrailerSize { get; } = CodedOutputStream.ComputeTagSize(TrainingCheckpoint.Crc32CFieldNumber) + sizeof(uint);

    /// <summary>The checkpoint at <paramref name="path"/>, or null when there is none yet.</summary>
    public static TrainingCheckpoint? Read(string path)
    {
        var bytes = InputFile.TryReadAllBytes(path, InputFile.NoCap, out var refusal);
        if (bytes is null)
        {
            return refusal.Kind == InputRefusalKind.Missing ? null : throw InputFile.Refused(path, Role, refusal);
        }

        if (!HasIntactChecksum(bytes))
        {
            var parsed = TryParse(bytes);
            throw parsed?.Format == HeadlessFormat
                ? new RetrainException(
                    ExitCode.Usage,
                    $"The checkpoint '{path}' ({Flags.CheckpointPath}) was written by an earlier version of retrain, which did not save " +
                    $"the optimizer's state or the head flags, so it cannot be continued exactly. {Advice}")
                : parsed?.Format == UncheckedFormat
                ? new RetrainException(
                    ExitCode.Usage,
                    $"The checkpoint '{path}' ({Flags.CheckpointPath}) was written by an earlier version of retrain, without the checksum " +
                    $"that proves a checkpoint undamaged, so it is not resumed. {Advice}")
                : parsed?.Format == Format || EndsWithChecksumField(bytes)
                    ? new RetrainException(
                        ExitCode.Usage,
                        $"The checkpoint '{path}' ({Flags.CheckpointPath}) is damaged: its checksum does not match its contents (a disk error, " +
                        $"an interrupted copy or an edit), so its weights cannot be trusted. {Advice}")
                    : StartsLikeACheckpoint(bytes)
                        ? new RetrainException(
                            ExitCode.Usage,
                            $"The checkpoint '{path}' ({Flags.CheckpointPath}) is cut short: it begins as a retrain checkpoint but ends before its " +
                            $"checksum ({bytes.Length} bytes; an interrupted copy or a full disk). {Advice}")
                        : NotACheckpoint(path);
        }

        var checkpoint = TryParse(bytes);
        if (checkpoint is null
            || checkpoint.Format != Format
            || checkpoint.BottleneckSize <= 0
            || checkpoint.ClassCount <= 0
            || checkpoint.Weights.Count != (long)checkpoint.BottleneckSize * checkpoint.ClassCount
            || checkpoint.Biases.Count != checkpoint.ClassCount
            || checkpoint.StepsDone < 0)
        {
            throw NotACheckpoint(path);
        }

        return checkpoint;
    }

    /// <summary>Writes <paramref name="checkpoint"/> with its checksum (which it sets) atomically.</summary>
    public static void Write(string path, TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Crc32C = 0; // not serialized: the payload is everything but the trailer
        var payload = checkpoint.ToByteArray();
        checkpoint.Crc32C = Crc32C.Compute(payload);
        var file = new byte[payload.Length + TrailerSize];
        payload.CopyTo(file, 0);
        WriteTrailer(file.AsSpan(payload.Length), checkpoint.Crc32C);
        AtomicFile.Write(path, file);
    }

    private static bool HasIntactChecksum(byte[] bytes)
    {
        if (bytes.Length < TrailerSize)
        {
            return false;
        }

        var payload = bytes.AsSpan(0, bytes.Length - TrailerSize);
        Span<byte> expected = stackalloc byte[TrailerSize];
        WriteTrailer(expected, Crc32C.Compute(payload));
        return expected.SequenceEqual(bytes.AsSpan(payload.Length));
    }

    /// <summary>Whether the file ends as a checkpoint of this format does, damaged so badly that it no longer parses.</summary>
    private static bool EndsWithChecksumField(byte[] bytes)
    {
        Span<byte> trailer = stackalloc byte[TrailerSize];
        WriteTrailer(trailer, 0);
        var tag = trailer[..^sizeof(uint)];
        return bytes.Length >= TrailerSize && bytes.AsSpan(bytes.Length - TrailerSize, tag.Length).SequenceEqual(tag);
    }

    /// <summary>The crc32c field as the protobuf serializer writes it: its tag, then the value little-endian.</summary>
    private static void WriteTrailer(Span<byte> trailer, uint crc)
    {
        var tag = WireFormat.MakeTag(TrainingCheckpoint.Crc32CFieldNumber, WireFormat.WireType.Fixed32);
        var at = 0;
        for (; tag >= 0x80; tag >>= 7)
        {
            trailer[at++] = (byte)(tag | 0x80);
        }

        trailer[at++] = (byte)tag;
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[at..], crc);
    }

    private static TrainingCheckpoint? TryParse(byte[] bytes)
    {
        try
        {
            return TrainingCheckpoint.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>Whether the file begins with a checkpoint's format field (field 1, "retrain.checkpoint.").</summary>
    private static bool StartsLikeACheckpoint(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> prefix = "retrain.checkpoint."u8;
        return bytes.Length > 2 + prefix.Length && bytes[0] == 0x0A && bytes[2..].StartsWith(prefix);
    }

    private static RetrainException NotACheckpoint(string path) =>
        new(ExitCode.Usage, $"'{path}' ({Flags.CheckpointPath}) is not a checkpoint this version of retrain wrote. {Advice}");
}
