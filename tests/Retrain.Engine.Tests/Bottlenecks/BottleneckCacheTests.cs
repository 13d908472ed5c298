using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Bottlenecks;

public class BottleneckCacheTests
{
    private static float[] Vector(int length, float seed) => Enumerable.Range(0, length).Select(i => seed + (i * 0.25f)).ToArray();

    private static string Key(params byte[] image) => BottleneckCache.ContentKey(image);

    /// <summary>One run's pack holding the vectors of images 0, 1 and 2, in that order; returns its path.</summary>
    private static string WriteThreeVectors(TempFolder dir, int length)
    {
        using (var cache = new BottleneckCache(dir.Path, "model-a", length))
        {
            for (byte i = 0; i < 3; i++)
            {
                cache.Write(Key(i), Vector(length, i));
            }
        }

        return Directory.GetFiles(dir.Path, "*.bnp", SearchOption.AllDirectories).Single();
    }

    [Fact]
    public void Write_ThenTryRead_ReturnsTheSameVector_InThisAndALaterRun()
    {
        using var dir = new TempFolder();
        using (var cache = new BottleneckCache(dir.Path, "model-a", 7))
        {
            cache.Write(Key(1, 2, 3), Vector(7, 1.5f));
            var read = new float[7];
            Assert.True(cache.TryRead(Key(1, 2, 3), read));
            Assert.Equal(Vector(7, 1.5f), read);
        }

        using var later = new BottleneckCache(dir.Path, "model-a", 7);
        var again = new float[7];
        Assert.True(later.TryRead(Key(1, 2, 3), again));
        Assert.Equal(Vector(7, 1.5f), again);
    }

    [Fact]
    public void TryRead_MissingVectorOrMissingFolder_ReturnsFalse()
    {
        using var dir = new TempFolder();
        using var cache = new BottleneckCache(Path.Combine(dir.Path, "not-there"), "model-a", 4);
        Assert.False(cache.TryRead(Key(9), new float[4]));
        Assert.False(Directory.Exists(cache.Root)); // reading never creates anything
    }

    [Fact]
    public void ManyVectors_GoIntoOnePackPerRun_NotOneFilePerImage()
    {
        using var dir = new TempFolder();
        for (var run = 0; run < 2; run++)
        {
            using var cache = new BottleneckCache(dir.Path, "m", 3);
            for (var i = 0; i < 200; i++)
            {
                var key = Key((byte)run, (byte)i);
                Assert.False(cache.TryRead(key, new float[3]));
                cache.Write(key, Vector(3, i));
            }
        }

        using var reader = new BottleneckCache(dir.Path, "m", 3);
        var contents = reader.Inspect();
        Assert.Equal(2, contents.Packs.Count);
        Assert.Equal(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Order(), contents.Packs.Order());
        Assert.Equal(400, contents.IntactKeys.Distinct().Count());
        Assert.Equal(0, contents.UnreadBytes);
        var read = new float[3];
        Assert.True(reader.TryRead(Key(1, 199), read));
        Assert.Equal(Vector(3, 199), read);
    }

    [Fact]
    public void TryRead_DamagedVector_IsNotTrusted_AndARewriteReplacesIt()
    {
        using var dir = new TempFolder();
        using (var cache = new BottleneckCache(dir.Path, "model-a", 16))
        {
            cache.Write(Key(4, 2), Vector(16, 3f));
            cache.Write(Key(4, 3), Vector(16, 4f));
        }

        var pack = Directory.GetFiles(dir.Path, "*.bnp", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(pack);
        var recordSize = VectorPack.RecordSize(16);
        bytes[VectorPack.FileHeaderSize + recordSize - 3] ^= 0x40; // one flipped bit in the first vector
        File.WriteAllBytes(pack, bytes);

        using (var cache = new BottleneckCache(dir.Path, "model-a", 16))
        {
            Assert.False(cache.TryRead(Key(4, 2), new float[16]));
            Assert.True(cache.TryRead(Key(4, 3), new float[16])); // its neighbour is unaffected
            cache.Write(Key(4, 2), Vector(16, 3f)); // recomputed
            Assert.True(cache.TryRead(Key(4, 2), new float[16]));
        }

        using var later = new BottleneckCache(dir.Path, "model-a", 16);
        var read = new float[16];
        Assert.True(later.TryRead(Key(4, 2), read)); // the newer pack's record wins over the damaged one
        Assert.Equal(Vector(16, 3f), read);
    }

    [Fact]
    public void TornLastRecord_OfAKilledRun_LosesOnlyThatVector()
    {
        using var dir = new TempFolder();
        var pack = WriteThreeVectors(dir, 8);
        var bytes = File.ReadAllBytes(pack);
        File.WriteAllBytes(pack, bytes[..^10]);

        using var later = new BottleneckCache(dir.Path, "model-a", 8);
        Assert.True(later.TryRead(Key(0), new float[8]));
        Assert.True(later.TryRead(Key(1), new float[8]));
        Assert.False(later.TryRead(Key(2), new float[8]));
        Assert.Equal(VectorPack.RecordSize(8) - 10, later.Inspect().UnreadBytes);
    }

    [Fact]
    public void GarbageInOneRecord_CostsOnlyThatRecord()
    {
        using var dir = new TempFolder();
        var pack = WriteThreeVectors(dir, 8);
        var intact = File.ReadAllBytes(pack);
        var second = VectorPack.FileHeaderSize + VectorPack.RecordSize(8);

        // A power cut can leave zeros where a record should be; a disk can flip a bit of one's key.
        var zeroed = (byte[])intact.Clone();
        Array.Clear(zeroed, second, VectorPack.RecordSize(8));
        var flipped = (byte[])intact.Clone();
        flipped[second + 3] ^= 0x10;
        foreach (var damaged in new[] { zeroed, flipped })
        {
            File.WriteAllBytes(pack, damaged);
            using var later = new BottleneckCache(dir.Path, "model-a", 8);
            Assert.True(later.TryRead(Key(0), new float[8]));
            Assert.False(later.TryRead(Key(1), new float[8]));
            Assert.True(later.TryRead(Key(2), new float[8])); // records sit at fixed offsets: the next one is still aligned
            Assert.Equal(VectorPack.RecordSize(8), later.Inspect().UnreadBytes);
        }
    }

    [Fact]
    public void AFileThatIsNotAPack_IsIgnored()
    {
        using var dir = new TempFolder();
        using (var cache = new BottleneckCache(dir.Path, "model-a", 4))
        {
            cache.Write(Key(1), Vector(4, 1));
        }

        var root = Path.Combine(dir.Path, "model-a");
        File.WriteAllText(Path.Combine(root, "vectors-0-notes.bnp"), "not a pack at all, but long enough to hold a header and a record");
        using var later = new BottleneckCache(dir.Path, "model-a", 4);
        Assert.True(later.TryRead(Key(1), new float[4]));
    }

    [Fact]
    public void AnUnreadablePack_IsAMissNotACrash()
    {
        // A dangling link named like a pack cannot be opened, even by root, like another user's 0600 pack.
        using var dir = new TempFolder();
        using (var cache = new BottleneckCache(dir.Path, "model-a", 4))
        {
            cache.Write(Key(1), Vector(4, 1));
        }

        var unreadable = Path.Combine(dir.Path, "model-a", "vectors-0-unreadable.bnp");
        File.CreateSymbolicLink(unreadable, Path.Combine(dir.Path, "gone"));
        Assert.Contains(unreadable, Directory.GetFiles(Path.GetDirectoryName(unreadable)!, "*.bnp")); // the scan does meet it
        using var later = new BottleneckCache(dir.Path, "model-a", 4);
        Assert.True(later.TryRead(Key(1), new float[4]));
        Assert.False(later.TryRead(Key(2), new float[4]));
        later.Write(Key(2), Vector(4, 2));
        Assert.True(later.TryRead(Key(2), new float[4]));
    }

    [Fact]
    public void DifferentModels_NeverShareVectors()
    {
        using var dir = new TempFolder();
        using (var mobilenet = new BottleneckCache(dir.Path, "mobilenet-1111", 8))
        {
            mobilenet.Write(Key(7, 7, 7), Vector(8, 1f));
        }

        using var inception = new BottleneckCache(dir.Path, "inception-2222", 8);
        using var otherLength = new BottleneckCache(dir.Path, "mobilenet-1111", 4);
        Assert.False(inception.TryRead(Key(7, 7, 7), new float[8]));
        Assert.False(otherLength.TryRead(Key(7, 7, 7), new float[4])); // same folder, other length: not read as floats
    }

    [Fact]
    public void TwoCachesOnOneFolderAtOnce_WriteSeparatePacks_AndSeeEachOthersVectorsNextTime()
    {
        using var dir = new TempFolder();
        using (var a = new BottleneckCache(dir.Path, "m", 4))
        using (var b = new BottleneckCache(dir.Path, "m", 4))
        {
            a.Write(Key(1), Vector(4, 1));
            b.Write(Key(2), Vector(4, 2));
            b.Write(Key(1), Vector(4, 1)); // both computed image 1: a duplicate record, not a conflict
        }

        using var later = new BottleneckCache(dir.Path, "m", 4);
        Assert.Equal(2, later.Inspect().Packs.Count);
        Assert.True(later.TryRead(Key(1), new float[4]));
        Assert.True(later.TryRead(Key(2), new float[4]));
    }

    [Fact]
    public void ManyPacks_AreReadWithoutKeepingMoreThanTheLimitOpen()
    {
        using var dir = new TempFolder();
        for (byte run = 0; run < 6; run++)
        {
            using var writer = new BottleneckCache(dir.Path, "m", 4);
            writer.Write(Key(run), Vector(4, run));
        }

        using var cache = new BottleneckCache(dir.Path, "m", 4, maxOpenPacks: 2);
        for (var pass = 0; pass < 2; pass++)
        {
            for (byte run = 0; run < 6; run++)
            {
                var read = new float[4];
                Assert.True(cache.TryRead(Key(run), read));
                Assert.Equal(Vector(4, run), read);
            }
        }

        Assert.Equal(6, cache.Inspect().Packs.Count);
        if (OperatingSystem.IsLinux())
        {
            // What the process really holds open: the file descriptors that point into the cache folder.
            var open = new DirectoryInfo("/proc/self/fd").GetFiles()
                .Select(fd => fd.LinkTarget)
                .Count(target => target is not null && target.StartsWith(cache.Root, StringComparison.Ordinal));
            Assert.Equal(2, open);
        }
    }

    [Fact]
    public void Write_WhereTheFolderCannotBeCreated_NamesThePackAndSaysWhatToCheck()
    {
        using var dir = new TempFolder();
        var notAFolder = dir.File("a-file");
        File.WriteAllText(notAFolder, "x");
        using var cache = new BottleneckCache(notAFolder, "m", 4);

        var e = Assert.Throws<RetrainException>(() => cache.Write(Key(1), Vector(4, 1)));
        Assert.Equal(ExitCode.IoError, e.Code);
        Assert.Contains("Cannot write '" + Path.Combine(notAFolder, "m", "vectors-"), e.Message, StringComparison.Ordinal);
        Assert.Contains("the disk is not full", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContentKey_ChangesWithTheImageBytes()
    {
        Assert.NotEqual(Key(1, 2, 3), Key(1, 2, 4));
        Assert.Equal(Key(1, 2, 3), Key(1, 2, 3));
        Assert.Equal(64, Key(1).Length);
    }
}
