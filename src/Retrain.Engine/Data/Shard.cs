using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Retrain.Errors;

namespace Retrain.Data;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of the images, for a bottleneck pass spread over many processes (a Slurm
/// job array, a Kubernetes Indexed Job). An image belongs to the shard its path's SHA-1 picks, so a rerun or a retried
/// task does the same images and the shards together cover each image exactly once.
/// </summary>
public sealed record Shard
{
    private Shard(int index, int count)
    {
        Index = index;
        Count = count;
    }

    /// <summary>From 0 to <see cref="Count"/> - 1.</summary>
    public int Index { get; }

    public int Count { get; }

    /// <summary>Whether the image at <paramref name="path"/> (spelled as listed) is this shard's.</summary>
    public bool Contains(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.UTF8.GetBytes(path), digest);

        // The first eight bytes, where retrain.py's split reads the last four, so shards and parts stay independent.
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(digest) % (ulong)Count) == Index;
    }

    /// <summary>Parses <c>INDEX/COUNT</c>, e.g. <c>0/4</c>; <paramref name="source"/> names the flag or variable it came from.</summary>
    public static Shard Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !int.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            throw new RetrainException(ExitCode.Usage, $"Invalid value '{text}' for {source}: expected INDEX/COUNT, e.g. 0/4 for the first of four shards.");
        }

        return Checked(index, count, source);
    }

    /// <summary>A shard whose index and count are checked, naming <paramref name="source"/> when they are impossible.</summary>
    public static Shard Checked(int index, int count, string source)
    {
        if (count < 1)
        {
            throw new RetrainException(ExitCode.Usage, $"Invalid shard count {count} from {source}: it must be at least 1.");
        }

        if (index < 0 || index >= count)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"Invalid shard index {index} from {source}: with {count} shards it must be from 0 to {count - 1} (indices count from 0).");
        }

        return new Shard(index, count);
    }

    public override string ToString() => $"{Index}/{Count}";
}
