using Retrain.Tests.Images;
using SkiaSharp;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// Image folders generated in code for end-to-end runs: one subfolder per colour class, each image a noisy patch of
/// its class colour, alternately PNG and JPEG, so every image has distinct bytes (its own cache entry). Names come
/// from <see cref="SpreadNames"/>, so the split is the same whatever the folder.
/// </summary>
public static class TinyDataset
{
    private static readonly Dictionary<string, (byte R, byte G, byte B)> Colours = new(StringComparer.Ordinal)
    {
        ["red"] = (210, 40, 40),
        ["green"] = (40, 200, 50),
        ["blue"] = (30, 50, 220),
        ["yellow"] = (220, 210, 40),
    };

    /// <summary>
    /// Writes <paramref name="perClass"/> images into each of <paramref name="classes"/> (names from red, green,
    /// blue, yellow) under <paramref name="imageDir"/>, <paramref name="width"/> x <paramref name="height"/> pixels.
    /// Returns the written paths.
    /// </summary>
    public static IReadOnlyList<string> Create(
        string imageDir, int perClass = 8, string[]? classes = null, int width = 12, int height = 10, int seed = 1)
    {
        var written = new List<string>();
        var random = new Random(seed);
        foreach (var name in classes ?? ["blue", "green", "red"])
        {
            var folder = Path.Combine(imageDir, name);
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
            {
                var png = i % 2 == 0;
                var path = Path.Combine(folder, SpreadNames.Pick(imageDir, name, $"{name}_{i:000}", png ? ".png" : ".jpg", i, perClass));
                File.WriteAllBytes(path, Image(Colours[name], width, height, random, png));
                written.Add(path);
            }
        }

        return written;
    }

    /// <summary>One noisy image of a colour, encoded as PNG or JPEG.</summary>
    public static byte[] Image((byte R, byte G, byte B) colour, int width, int height, Random random, bool png)
    {
        var rgb = GeneratedImages.Rgb(width, height, (_, _) => (Jitter(colour.R, random), Jitter(colour.G, random), Jitter(colour.B, random)));
        return GeneratedImages.Encode(rgb, width, height, png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 90);
    }

    /// <summary>A valid image of the given class colour ("red", "green", ...), for tests that add files by hand.</summary>
    public static byte[] Image(string colour, int seed, bool png = true) =>
        Image(Colours[colour], 12, 10, new Random(seed), png);

    private static byte Jitter(byte value, Random random) => (byte)Math.Clamp(value + random.Next(-25, 26), 0, 255);
}
