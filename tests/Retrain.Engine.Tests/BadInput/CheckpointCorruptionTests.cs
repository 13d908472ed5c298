using Google.Protobuf;
using Retrain.Checkpoints;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 6: a damaged checkpoint still parsed and was trained on (28.6% instead of 100%), and weights of
/// 1e30 passed the NaN check. The checkpoint's CRC-32C now refuses both, as a foreign checkpoint is refused, and a
/// checkpoint of the format before the checksum is refused by name; the file is never changed.
/// </summary>
public sealed class CheckpointCorruptionTests : IDisposable
{
    private readonly TinyRetrain _tiny = new(perClass: 6);

    public void Dispose() => _tiny.Dispose();

    [Fact]
    public void ThreeBytesOverwrittenMidFile_AreRefusedAsDamaged()
    {
        var (options, checkpoint) = Checkpointed();
        var bytes = File.ReadAllBytes(checkpoint);
        bytes.AsSpan(bytes.Length / 2, 3).Fill(0x3F);
        File.WriteAllBytes(checkpoint, bytes);

        var error = Resume(options);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains($"The checkpoint '{checkpoint}' (--checkpoint_path) is damaged: its checksum does not match its contents", error.Message, StringComparison.Ordinal);
        Assert.Contains("Delete it to start over, or pass another --checkpoint_path.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckpointCutShort_IsRefusedAsCutShort()
    {
        var (options, checkpoint) = Checkpointed();
        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);

        var error = Resume(options);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains($"The checkpoint '{checkpoint}' (--checkpoint_path) is cut short: it begins as a retrain checkpoint but ends before its checksum", error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes.Length / 2, new FileInfo(checkpoint).Length); // left as it was
    }

    [Fact]
    public void WeightsOf1e30EditedIn_AreRefusedAsDamaged()
    {
        var (options, checkpoint) = Checkpointed();
        var edited = CheckpointFile.Read(checkpoint)!;
        for (var i = 0; i < edited.Weights.Count; i++)
        {
            edited.Weights[i] = 1e30f;
        }

        // Serialized with the checksum it had: an edit, or damage, that leaves the file a valid protobuf.
        File.WriteAllBytes(checkpoint, edited.ToByteArray());

        var error = Resume(options);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("is damaged: its checksum does not match its contents", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointOfTheFormatWithoutChecksum_IsRefusedByName()
    {
        var (options, checkpoint) = Checkpointed();
        var old = CheckpointFile.Read(checkpoint)!;
        old.Format = CheckpointFile.UncheckedFormat;
        old.Crc32C = 0;
        File.WriteAllBytes(checkpoint, old.ToByteArray());

        var error = Resume(options);

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains($"The checkpoint '{checkpoint}' (--checkpoint_path) was written by an earlier version of retrain, without the checksum", error.Message, StringComparison.Ordinal);
        Assert.Contains("Delete it to start over, or pass another --checkpoint_path.", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A finished run of 12 steps with a checkpoint, to be resumed to 24.</summary>
    private (RetrainOptions Options, string Checkpoint) Checkpointed()
    {
        var checkpoint = _tiny.PathOf("run", "model.ckpt");
        var options = _tiny.Options() with { HowManyTrainingSteps = 12, CheckpointPath = checkpoint };
        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        return (options with { HowManyTrainingSteps = 24 }, checkpoint);
    }

    /// <summary>The resumed run's refusal; the damaged checkpoint and every other file are left as they were.</summary>
    private RetrainException Resume(RetrainOptions options)
    {
        var snapshot = InputSnapshot.Take(_tiny.Root);
        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken));
        snapshot.AssertUnchanged();
        return error;
    }
}
