using Retrain.Images;
using SkiaSharp;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Images;

/// <summary>Each supported format and pixel layout decodes to the 8-bit RGB that TF's decode_image(channels=3) gives.</summary>
public class ImageDecoderFormatTests
{
    [Fact]
    public void Decode_Png_IsExact()
    {
        var rgb = GeneratedImages.NoiseRgb(7, 5, seed: 1);
        var image = ImageDecoder.Decode(GeneratedImages.Encode(rgb, 7, 5, SKEncodedImageFormat.Png), "noise.png");

        Assert.Equal((7, 5), (image.Width, image.Height));
        Assert.Equal(rgb, image.Pixels);
    }

    [Fact]
    public void Decode_LosslessWebP_IsExact()
    {
        var rgb = GeneratedImages.NoiseRgb(6, 4, seed: 2);
        // Skia's WebP encoder is lossless at quality 100.
        var image = ImageDecoder.Decode(GeneratedImages.Encode(rgb, 6, 4, SKEncodedImageFormat.Webp, 100), "noise.webp");

        Assert.Equal(rgb, image.Pixels);
    }

    [Fact]
    public void Decode_HandWrittenBmp24_IsExactAndTopDown()
    {
        // 3 pixels wide makes each row 9 bytes, padded to 12: exercises BMP row padding and bottom-up storage.
        var rgb = GeneratedImages.NoiseRgb(3, 2, seed: 3);
        var image = ImageDecoder.Decode(HandWrittenImages.Bmp24(3, 2, rgb), "hand.bmp");

        Assert.Equal(rgb, image.Pixels);
    }

    [Fact]
    public void Decode_Jpeg_IsCloseToTheEncodedColours()
    {
        var rgb = GeneratedImages.Rgb(32, 16, (x, _) => x < 16 ? ((byte)200, (byte)40, (byte)40) : ((byte)30, (byte)90, (byte)220));
        var image = ImageDecoder.Decode(GeneratedImages.Encode(rgb, 32, 16, SKEncodedImageFormat.Jpeg, 100), "two.jpg");

        PixelAssert.Near((200, 40, 40), PixelAssert.At(image, 4, 8), 6, "left block");
        PixelAssert.Near((30, 90, 220), PixelAssert.At(image, 27, 8), 6, "right block");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    public void Decode_OnePixel_Works(SKEncodedImageFormat format)
    {
        var image = ImageDecoder.Decode(GeneratedImages.Encode([10, 200, 90], 1, 1, format), "one." + format);

        Assert.Equal((1, 1), (image.Width, image.Height));
        PixelAssert.Near((10, 200, 90), PixelAssert.At(image, 0, 0), format == SKEncodedImageFormat.Png ? 0 : 8, "the pixel");
    }

    [Fact]
    public void Decode_GrayscalePng_ReplicatesTheLevelToRgb()
    {
        byte[] gray = [0, 77, 255, 128];
        var png = GeneratedImages.EncodeGray(gray, 2, 2, SKEncodedImageFormat.Png);
        Assert.Equal(0, png[25]); // IHDR colour type 0: really a grayscale PNG

        var image = ImageDecoder.Decode(png, "gray.png");

        Assert.Equal(new byte[] { 0, 0, 0, 77, 77, 77, 255, 255, 255, 128, 128, 128 }, image.Pixels);
    }

    [Fact]
    public void Decode_GrayscaleJpeg_HasEqualChannels()
    {
        var gray = Enumerable.Range(0, 16 * 16).Select(i => (byte)(i % 16 * 16)).ToArray();
        var jpeg = GeneratedImages.EncodeGray(gray, 16, 16, SKEncodedImageFormat.Jpeg);
        var sof = jpeg.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
        Assert.Equal(1, jpeg[sof + 9]); // one component: a true grayscale JPEG

        var image = ImageDecoder.Decode(jpeg, "gray.jpg");

        for (var i = 0; i < image.Pixels.Length; i += 3)
        {
            Assert.Equal(image.Pixels[i], image.Pixels[i + 1]);
            Assert.Equal(image.Pixels[i], image.Pixels[i + 2]);
        }

        Assert.InRange(image.Pixels[3 * 5], (5 * 16) - 3, (5 * 16) + 3);
    }

    [Fact]
    public void Decode_PngWithAlpha_DropsAlphaAndKeepsStoredRgb()
    {
        // TF's decode_png(channels=3) calls png_set_strip_alpha: no compositing onto any background, so even a fully
        // transparent pixel yields the RGB stored in the file.
        byte[] rows = [0, 200, 100, 50, 0, 10, 20, 30, 128, 1, 2, 3, 255];
        var image = ImageDecoder.Decode(HandWrittenImages.Png(3, 1, 8, 6, rows), "alpha.png");

        Assert.Equal(new byte[] { 200, 100, 50, 10, 20, 30, 1, 2, 3 }, image.Pixels);
    }

    [Fact]
    public void Decode_16BitPng_KeepsTheHighByteLikePngSetStrip16()
    {
        // Rounding (v * 255 / 65535) would turn 0x12FF into 0x13 and 0x7FFF into 0x80; TF and Skia both truncate.
        byte[] rows = [0, 0x12, 0xFF, 0x80, 0x80, 0xFF, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0x7F, 0xFF];
        var image = ImageDecoder.Decode(HandWrittenImages.Png(2, 1, 16, 2, rows), "deep.png");

        Assert.Equal(new byte[] { 0x12, 0x80, 0xFF, 0x00, 0xFF, 0x7F }, image.Pixels);
    }

    [Fact]
    public void Decode_AnimatedGif_ReturnsTheFirstFrame()
    {
        byte[][] palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
        var gif = HandWrittenImages.AnimatedGif(palette, [[0, 1, 2, 3], [3, 3, 3, 3]]);

        var image = ImageDecoder.Decode(gif, "anim.gif");

        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255 }, image.Pixels);
    }

    [Fact]
    public void Decode_GifTransparentPixel_IsBlack()
    {
        // Pins our choice: Skia leaves a transparent pixel of the first frame as (0,0,0,0) and dropping alpha makes
        // it black, like the area outside the first frame in TF. TF 1.x's gif_io ignored transparency and returned
        // the palette colour of the transparent index (here white); transparent GIFs are rare in training sets.
        byte[][] palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
        var gif = HandWrittenImages.AnimatedGif(palette, [[0, 3, 3, 1]], transparentIndex: 3);

        var image = ImageDecoder.Decode(gif, "transparent.gif");

        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0 }, image.Pixels);
    }

    [Fact]
    public void Decode_AdobeCmykJpeg_ConvertsInvertedCmykToRgb()
    {
        // Adobe CMYK is stored inverted, so TF computes R = C * K / 255 (likewise G, B) with integer division; Skia
        // rounds instead, hence the tolerance of 1. K = 255 makes the stored C, M, Y the RGB itself.
        var blocks = new (byte C, byte M, byte Y, byte K)[1, 2];
        blocks[0, 0] = (255, 0, 128, 255);
        blocks[0, 1] = (200, 100, 30, 128);
        var jpeg = CmykJpegWriter.Write(blocks);

        var image = ImageDecoder.Decode(jpeg, "cmyk.jpg");

        Assert.Equal((16, 8), (image.Width, image.Height));
        PixelAssert.Near((255, 0, 128), PixelAssert.At(image, 3, 3), 1, "K=255 block");
        PixelAssert.Near((200 * 128 / 255, 100 * 128 / 255, 30 * 128 / 255), PixelAssert.At(image, 12, 4), 1, "K=128 block");
    }

    [Fact]
    public void Decode_PngContentNamedJpg_DecodesByContent()
    {
        var rgb = GeneratedImages.NoiseRgb(4, 4, seed: 4);
        using var dir = new TempFolder();
        var path = dir.Write("actually-a-png.jpg", GeneratedImages.Encode(rgb, 4, 4, SKEncodedImageFormat.Png));

        Assert.Equal(rgb, ImageDecoder.Decode(path).Pixels);
    }

    [Fact]
    public void Decode_FileAndBytes_Agree()
    {
        var png = GeneratedImages.Encode(GeneratedImages.NoiseRgb(9, 3, seed: 5), 9, 3, SKEncodedImageFormat.Png);
        using var dir = new TempFolder();

        Assert.Equal(ImageDecoder.Decode(png, "x.png").Pixels, ImageDecoder.Decode(dir.Write("x.png", png)).Pixels);
    }
}
