using Retrain.Bottlenecks;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Bottlenecks;

public class BottleneckCacheTests
{
    private static float[] Vector(int length, float seed) => Enumerable.Range(0, length).Select(i => seed + (i * 0.25f)).ToArray();

    [Fact]
    public void Write_ThenTryRead_ReturnsTheSameVector()
    {
        using var dir = new TempFolder();
        var cache = new BottleneckCache(dir.Path, "model-a", 7);
        var key = BottleneckCache.ContentKey([1, 2, 3]);
        cache.Write(key, Vector(7, 1.5f));

        var read = new float[7];
        Assert.True(cache.TryRead(key, read));
        Assert.Equal(Vector(7, 1.5f), read);
    }

    [Fact]
    public void TryRead_MissingVector_ReturnsFalse()
    {
        using var dir = new TempFolder();
        var cache = new BottleneckCache(dir.Path, "model-a", 4);
        Assert.False(cache.TryRead(BottleneckCache.ContentKey([9]), new float[4]));
    }

    [Fact]
    public void TryRead_DamagedOrTornFile_IsNotTrusted()
    {
        using var dir = new TempFolder();
        var cache = new BottleneckCache(dir.Path, "model-a", 16);
        var key = BottleneckCache.ContentKey([4, 2]);
        cache.Write(key, Vector(16, 3f));
        var path = cache.PathFor(key);

        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40; // one flipped bit in the payload: the checksum must catch it
        File.WriteAllBytes(path, bytes);
        Assert.False(cache.TryRead(key, new float[16]));

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]); // a torn (truncated) file
        Assert.False(cache.TryRead(key, new float[16]));

        cache.Write(key, Vector(16, 3f)); // recomputing replaces the damaged file
        Assert.True(cache.TryRead(key, new float[16]));
    }

    [Fact]
    public void TryRead_UnreadableEntry_IsAMissNotACrash()
    {
        // A folder where the vector file should be: unreadable even by root, like another user's 0600 file.
        using var dir = new TempFolder();
        var cache = new BottleneckCache(dir.Path, "model-a", 4);
        var key = BottleneckCache.ContentKey([5, 5]);
        Directory.CreateDirectory(cache.PathFor(key));

        Assert.False(cache.TryRead(key, new float[4]));
    }

    [Fact]
    public void DifferentModels_NeverShareVectors()
    {
        using var dir = new TempFolder();
        var key = BottleneckCache.ContentKey([7, 7, 7]);
        new BottleneckCache(dir.Path, "mobilenet-1111", 8).Write(key, Vector(8, 1f));

        Assert.False(new BottleneckCache(dir.Path, "inception-2222", 8).TryRead(key, new float[8]));
        Assert.False(new BottleneckCache(dir.Path, "mobilenet-1111", 4).TryRead(key, new float[4])); // other length, same folder
    }

    [Fact]
    public void ContentKey_ChangesWithTheImageBytes()
    {
        Assert.NotEqual(BottleneckCache.ContentKey([1, 2, 3]), BottleneckCache.ContentKey([1, 2, 4]));
        Assert.Equal(BottleneckCache.ContentKey([1, 2, 3]), BottleneckCache.ContentKey([1, 2, 3]));
    }

    [Fact]
    public void Write_FansOutIntoSubfoldersAndLeavesNoTemporaryFiles()
    {
        using var dir = new TempFolder();
        var cache = new BottleneckCache(dir.Path, "m", 3);
        for (byte i = 0; i < 50; i++)
        {
            cache.Write(BottleneckCache.ContentKey([i]), Vector(3, i));
        }

        var files = Directory.GetFiles(cache.Root, "*", SearchOption.AllDirectories);
        Assert.Equal(50, files.Length);
        Assert.All(files, f => Assert.EndsWith(".bnk", f, StringComparison.Ordinal));
        Assert.True(Directory.GetDirectories(cache.Root).Length > 10);
    }
}
