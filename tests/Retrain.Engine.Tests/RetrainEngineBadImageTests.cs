using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Tests.Images;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using SkiaSharp;
using Xunit;

namespace Retrain.Tests;

/// <summary>
/// Issue 5, bad photos: a training folder full of odd files goes through <see cref="RetrainEngine.Run"/> on the tiny
/// backbone. Every decodable file is used, every undecodable one is skipped with one warning naming it and why,
/// counted in the result and the final summary, and the run still writes its outputs.
/// </summary>
public class RetrainEngineBadImageTests
{
    /// <summary>Files that decode, whatever their name or pixel format says: each must be used.</summary>
    private static Dictionary<string, byte[]> Decodable() => new(StringComparer.Ordinal)
    {
        ["red/png named.jpg"] = TinyDataset.Image("red", seed: 1, png: true),
        ["green/cmyk.jpg"] = CmykJpegWriter.Write(new (byte, byte, byte, byte)[,] { { (40, 200, 20, 0), (60, 180, 30, 10) } }),
        ["blue/gray.png"] = GeneratedImages.EncodeGray(GeneratedImages.NoiseRgb(6, 5, seed: 2)[..30], 6, 5, SKEncodedImageFormat.Png),
        ["blue/gray.jpg"] = GeneratedImages.EncodeGray(GeneratedImages.NoiseRgb(16, 16, seed: 3)[..256], 16, 16, SKEncodedImageFormat.Jpeg),
        ["red/sixteen-bit.png"] = HandWrittenImages.Png(2, 2, 16, 2, [0, .. Enumerable.Repeat((byte)200, 12), 0, .. Enumerable.Repeat((byte)40, 12)]),
        ["green/alpha.png"] = HandWrittenImages.Png(2, 1, 8, 6, [0, 30, 200, 40, 255, 50, 190, 30, 0]),
        ["blue/animated gif.png"] = HandWrittenImages.AnimatedGif(
            [[20, 40, 220], [30, 30, 200], [0, 0, 0], [255, 255, 255]], [[0, 1, 1, 0], [2, 3, 3, 2]]),
        ["red/rotated.jpg"] = GeneratedImages.WithExifOrientation(
            GeneratedImages.Encode(GeneratedImages.Rgb(16, 8, (x, _) => ((byte)(200 + x), 30, 30)), 16, 8, SKEncodedImageFormat.Jpeg), 6),
        ["red/one pixel.png"] = GeneratedImages.Encode([220, 30, 30], 1, 1, SKEncodedImageFormat.Png),
        ["green/ünïcødé 猫.jpg"] = TinyDataset.Image("green", seed: 4, png: false),
        ["blue/a==b.png"] = TinyDataset.Image("blue", seed: 5),
        ["yellow /sun.png"] = TinyDataset.Image("yellow", seed: 6),
        ["yellow /sun 2.jpg"] = TinyDataset.Image("yellow", seed: 7, png: false),
    };

    /// <summary>Files that cannot give pixels, with a fragment of the reason the warning must give.</summary>
    private static Dictionary<string, (byte[] Bytes, string Reason)> Undecodable()
    {
        var jpeg = GeneratedImages.Encode(GeneratedImages.NoiseRgb(64, 48, seed: 7), 64, 48, SKEncodedImageFormat.Jpeg, 90);
        return new(StringComparer.Ordinal)
        {
            ["blue/empty.jpg"] = ([], "empty (0 bytes)"),
            ["blue/truncated.jpg"] = (jpeg[..(jpeg.Length / 2)], "truncated"),
            ["green/notes.jpg"] = ("shopping list: eggs, milk\n"u8.ToArray(), "not a JPEG, PNG, BMP, GIF or WebP"),
            ["red/huge.jpg"] = (GeneratedImages.WithDeclaredJpegSize(jpeg, 60000, 60000), "60000x60000"),
        };
    }

    [Fact]
    public void Run_FolderWithOddAndBrokenFiles_UsesEveryDecodableFileAndSkipsEachBrokenOneWithAWarning()
    {
        using var work = new TempFolder();
        var imageDir = Path.Combine(work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 8);
        var decodable = Decodable();
        foreach (var (name, bytes) in decodable)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(imageDir, name))!);
            File.WriteAllBytes(Path.Combine(imageDir, name), bytes);
        }

        var undecodable = Undecodable().ToDictionary(p => Path.Combine(imageDir, p.Key), p => p.Value.Reason);
        foreach (var (name, (bytes, _)) in Undecodable())
        {
            File.WriteAllBytes(Path.Combine(imageDir, name), bytes);
        }

        // Unreadable files: a dangling link (works as root, unlike chmod 000) and a link to itself (ELOOP).
        var gone = Path.Combine(imageDir, "green", "gone.jpg");
        File.CreateSymbolicLink(gone, Path.Combine(work.Path, "deleted-after-listing.jpg"));
        var loop = Path.Combine(imageDir, "red", "loop.jpg");
        File.CreateSymbolicLink(loop, "loop.jpg");
        undecodable[gone] = "the file does not exist";
        undecodable[loop] = "it cannot be opened";
        if (!OperatingSystem.IsWindows() && !Environment.IsPrivilegedProcess)
        {
            var secret = Path.Combine(imageDir, "blue", "secret.png");
            File.WriteAllBytes(secret, TinyDataset.Image("blue", seed: 8));
            File.SetUnixFileMode(secret, UnixFileMode.None);
            undecodable[secret] = "permission denied";
        }

        // Not images to retrain.py either: no extension, and a folder whose name ends in .jpg.
        File.WriteAllBytes(Path.Combine(imageDir, "red", "no_extension"), TinyDataset.Image("red", seed: 9));
        Directory.CreateDirectory(Path.Combine(imageDir, "green", "folder.jpg"));
        var usable = (3 * 8) + decodable.Count;
        var log = new LogCapture();

        var result = RetrainEngine.Run(TinyRuns.Options(work.Path, imageDir, TinyBackbone.Write(work.Path)), log.Logger, CancellationToken.None);

        Assert.Equal(["blue", "green", "red", "yellow "], result.Labels);
        Assert.Equal(undecodable.Keys.Order(StringComparer.Ordinal), result.SkippedImages.Select(s => s.Path));
        var warnings = log.Messages(LogEventLevel.Warning).ToList();
        foreach (var (path, reason) in undecodable)
        {
            var warning = Assert.Single(warnings, w => w.StartsWith("Skipping", StringComparison.Ordinal) && w.Contains(path, StringComparison.Ordinal));
            Assert.Contains(reason, warning, StringComparison.Ordinal);
            Assert.Contains(reason, result.SkippedImages.Single(s => s.Path == path).Reason, StringComparison.Ordinal);
        }

        Assert.Equal(undecodable.Count, warnings.Count(w => w.StartsWith("Skipping", StringComparison.Ordinal)));
        Assert.Contains($"{undecodable.Count} images were skipped because they could not be read or decoded (listed above).", warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("no_extension", StringComparison.Ordinal) || w.Contains("folder.jpg", StringComparison.Ordinal));

        // Everything else was used: it has a vector in the cache and counts in the three parts.
        Assert.Equal(usable, result.TrainingImages + result.ValidationImages + result.TestingImages);
        Assert.Equal(usable, result.BottlenecksComputed);
        using var cache = TinyRuns.Cache(Path.Combine(work.Path, "bottlenecks"));
        Assert.All(decodable.Keys, name => Assert.True(TinyRuns.HasVector(cache, Path.Combine(imageDir, name)), name));

        Assert.NotEmpty(GraphDefFile.Load(result.OutputGraph).Node);
        Assert.Equal("blue\ngreen\nred\nyellow \n", File.ReadAllText(result.OutputLabels));
    }

    [Fact]
    public void Run_EveryImageUndecodable_IsBadDatasetNamingTheFolderAndTheCount()
    {
        using var work = new TempFolder();
        var imageDir = Path.Combine(work.Path, "images");
        foreach (var (name, (bytes, _)) in Undecodable())
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(imageDir, name))!);
            File.WriteAllBytes(Path.Combine(imageDir, name), bytes);
        }

        // Every photo in training, whatever the temporary folder's name does to the split: the failure is decoding.
        var options = TinyRuns.Options(work.Path, imageDir, TinyBackbone.Write(work.Path)) with { TestingPercentage = 0, ValidationPercentage = 0 };
        var log = new LogCapture();

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, log.Logger, CancellationToken.None));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.Contains($"'{imageDir}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("4 images could not be decoded", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, log.Messages(LogEventLevel.Warning).Count(w => w.StartsWith("Skipping", StringComparison.Ordinal)));
        Assert.False(File.Exists(options.OutputGraph));
        Assert.False(File.Exists(options.OutputLabels));
    }

    [Fact]
    public async Task SpecialAndGiganticFilesNamedLikePhotos_AreSkippedWithoutBeingRead()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("FIFOs and /dev/zero are POSIX.");
        }

        using var work = new TempFolder();
        var imageDir = Path.Combine(work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 4, classes: ["blue", "red"]);
        var fifo = Path.Combine(imageDir, "blue", "pipe.jpg");
        SpecialFiles.Fifo(fifo); // opening it for reading blocks until a writer comes, forever
        var zero = Path.Combine(imageDir, "red", "zero.jpg");
        File.CreateSymbolicLink(zero, "/dev/zero"); // endless: reading it to the end never ends
        var gigantic = Path.Combine(imageDir, "red", "gigantic.png");
        using (var sparse = File.Create(gigantic))
        {
            sparse.SetLength((1L << 30) + 1); // sparse: costs no disk, but would cost a GiB of memory to read
        }

        var log = new LogCapture();

        var run = Task.Run(() => RetrainEngine.Run(TinyRuns.Options(work.Path, imageDir, TinyBackbone.Write(work.Path)), log.Logger, CancellationToken.None));
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken)) == run;
        if (!finished)
        {
            await using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write); // unblocks a reader stuck in open(2)
        }

        Assert.True(finished, "retrain blocked on a special file");
        var result = await run;
        Assert.Equal([fifo, gigantic, zero], result.SkippedImages.Select(s => s.Path));
        Assert.Contains("or is a pipe or device rather than a regular file", result.SkippedImages[0].Reason, StringComparison.Ordinal);
        Assert.Contains("the file is 1024 MiB, above the 1024 MiB limit", result.SkippedImages[1].Reason, StringComparison.Ordinal);
        Assert.Contains("or is a pipe or device rather than a regular file", result.SkippedImages[2].Reason, StringComparison.Ordinal);
        Assert.Equal(8, result.BottlenecksComputed);
    }
}
