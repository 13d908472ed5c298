using System.Diagnostics;
using Retrain.Errors;
using Retrain.Images;
using SkiaSharp;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>Every unusable input is a BadImage RetrainException naming the file and the reason, never another exception.</summary>
public class ImageDecoderErrorTests
{
    private static RetrainException DecodeFails(string path, params string[] reasonFragments)
    {
        var error = Assert.Throws<RetrainException>(() => ImageDecoder.Decode(path));
        AssertMessage(error, path, reasonFragments);
        return error;
    }

    private static RetrainException DecodeFails(byte[] bytes, string name, params string[] reasonFragments)
    {
        var error = Assert.Throws<RetrainException>(() => ImageDecoder.Decode(bytes, name));
        AssertMessage(error, name, reasonFragments);
        return error;
    }

    private static void AssertMessage(RetrainException error, string path, string[] reasonFragments)
    {
        Assert.Equal(ExitCode.BadImage, error.Code);
        Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", error.Message, StringComparison.Ordinal);
        foreach (var fragment in reasonFragments)
        {
            Assert.Contains(fragment, error.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static byte[] SmallJpeg() =>
        GeneratedImages.Encode(GeneratedImages.NoiseRgb(64, 48, seed: 7), 64, 48, SKEncodedImageFormat.Jpeg, 90);

    [Fact]
    public void Decode_MissingFile_Fails()
    {
        using var dir = new TempFolder();
        DecodeFails(Path.Combine(dir.Path, "nope.jpg"), "does not exist");
    }

    [Fact]
    public void Decode_MissingFolder_Fails()
    {
        using var dir = new TempFolder();
        DecodeFails(Path.Combine(dir.Path, "no-such-folder", "cat.jpg"), "does not exist");
    }

    [Fact]
    public void Decode_Directory_Fails()
    {
        using var dir = new TempFolder();
        DecodeFails(dir.Path, "directory");
    }

    [Fact]
    public void Decode_ZeroByteFile_Fails()
    {
        using var dir = new TempFolder();
        DecodeFails(dir.Write("empty.jpg", []), "empty", "0 bytes");
    }

    [Fact]
    public void Decode_ZeroBytes_Fails() => DecodeFails([], "mem.jpg", "empty");

    [Fact]
    public async Task Decode_FifoOrDevice_FailsAtOnceInsteadOfWaitingForAWriter()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "POSIX FIFOs only.");
        using var dir = new TempFolder();
        var fifo = Path.Combine(dir.Path, "photo.jpg");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opening a FIFO blocks until a writer appears: run it aside, so a regression fails here instead of hanging.
        var decode = Task.Run(() => Assert.Throws<RetrainException>(() => ImageDecoder.Decode(fifo)), TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(decode, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.True(first == decode, "decoding a FIFO waited for a writer");
        AssertMessage(await decode, fifo, ["pipe or device rather than a regular file"]);
        DecodeFails("/dev/zero", "pipe or device rather than a regular file");
    }

    [Fact]
    public void Decode_TextFileNamedJpg_FailsSayingContentNotExtension()
    {
        using var dir = new TempFolder();
        var path = dir.Write("notes.jpg", "Hello, this is not a photo.\n"u8.ToArray());
        DecodeFails(path, "not a JPEG, PNG, BMP, GIF or WebP", "not the file extension", "looks like text");
    }

    [Fact]
    public void Decode_ZeroFilledFile_IsNotAnImage()
    {
        // What an interrupted download or copy often leaves behind.
        DecodeFails(new byte[4096], "zeros.jpg", "not a JPEG, PNG, BMP, GIF or WebP", "00 00 00 00");
    }

    [Fact]
    public void Decode_BinaryThatSkiaTakesForWbmp_IsNotAnImage()
    {
        byte[] blob = [0, 0, 10, 10, .. new byte[20]];
        DecodeFails(blob, "blob.jpg", "not a JPEG, PNG, BMP, GIF or WebP");
    }

    [Fact]
    public void Decode_TruncatedJpeg_Fails()
    {
        var jpeg = SmallJpeg();
        DecodeFails(jpeg[..(jpeg.Length / 2)], "cut.jpg", "JPEG", "truncated");
    }

    [Fact]
    public void Decode_JpegMissingOnlyItsEoiMarker_FailsLikeTensorFlow()
    {
        // Decision: TF's decode_jpeg errors when libjpeg asks for bytes past the end (its memory source has no
        // fake-EOI fallback unless try_recover_truncated=True), and Skia cannot deliver the last MCU row either.
        var jpeg = SmallJpeg();
        DecodeFails(jpeg[..^2], "no-eoi.jpg", "truncated");
    }

    [Fact]
    public void Decode_JpegHeaderOnly_FailsAsCorruptHeader()
    {
        DecodeFails(SmallJpeg()[..40], "stub.jpg", "starts like a JPEG", "corrupt or cut short");
    }

    [Fact]
    public void Decode_PngWithBadIhdrCrc_Fails()
    {
        var png = GeneratedImages.Encode([1, 2, 3], 1, 1, SKEncodedImageFormat.Png);
        png[29] ^= 0xFF; // first CRC byte of IHDR
        DecodeFails(png, "bad-crc.png", "PNG");
    }

    [Fact]
    public void Decode_IcoFile_IsRejectedAsUnsupported()
    {
        var ico = HandWrittenImages.IcoWrappingPng(GeneratedImages.Encode([1, 2, 3], 1, 1, SKEncodedImageFormat.Png), 1, 1);
        DecodeFails(ico, "favicon.ico", "Ico image", "convert it to JPEG, PNG, BMP, GIF or WebP");
    }

    public static TheoryData<string, byte[]> HugeHeaders() => new()
    {
        { "huge.jpg", GeneratedImages.WithDeclaredJpegSize(SmallJpeg(), 60000, 60000) },
        { "huge.png", HandWrittenImages.Png(60000, 60000, 8, 2, new byte[1000]) },
        { "huge.bmp", HandWrittenImages.Bmp24(2, 2, new byte[12], declaredWidth: 60000, declaredHeight: 60000) },
    };

    [Theory]
    [MemberData(nameof(HugeHeaders))]
    public void Decode_HeaderClaiming60000x60000_FailsBeforeAllocatingPixels(string name, byte[] bytes)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = DecodeFails(bytes, name, "60000x60000", "3600 megapixels", "limit of 100 megapixels");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes while rejecting the header");
        Assert.DoesNotContain("Exception", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_MaxPixelsOption_IsHonoured()
    {
        var png = GeneratedImages.Encode(new byte[10 * 10 * 3], 10, 10, SKEncodedImageFormat.Png);
        var strict = ImageDecodeOptions.Default with { MaxPixels = 99 };

        var error = Assert.Throws<RetrainException>(() => ImageDecoder.Decode(png, "ten.png", strict));
        Assert.Contains("10x10", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, ImageDecoder.Decode(png, "ten.png", strict with { MaxPixels = 100 }).Width);
    }
}
