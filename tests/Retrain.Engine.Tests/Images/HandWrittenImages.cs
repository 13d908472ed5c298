using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Retrain.Tests.Images;

/// <summary>
/// Image files written byte by byte, for what SkiaSharp cannot encode (BMP, GIF, ICO, 16-bit PNG) or must not
/// encode (deliberately broken headers).
/// </summary>
internal static class HandWrittenImages
{
    /// <summary>A PNG with the given IHDR fields and already-filtered scanlines (each row starts with its filter byte).</summary>
    public static byte[] Png(int width, int height, byte bitDepth, byte colorType, byte[] filteredRows)
    {
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType; // 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
        PngChunk(png, "IHDR", ihdr);
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(filteredRows);
        }

        PngChunk(png, "IDAT", compressed.ToArray());
        PngChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void PngChunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        png.Write(word);
    }

    /// <summary>The PNG/zlib CRC-32 (reflected polynomial 0xEDB88320); System.IO.Hashing is not referenced.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>A 24-bit bottom-up BMP; <paramref name="rgb"/> is top-down RGB like <c>RgbImage.Pixels</c>.</summary>
    public static byte[] Bmp24(int width, int height, byte[] rgb, int? declaredWidth = null, int? declaredHeight = null)
    {
        var rowBytes = ((width * 3) + 3) & ~3;
        var bmp = new byte[54 + (rowBytes * height)];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), declaredWidth ?? width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), declaredHeight ?? height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(34), rowBytes * height);
        for (var y = 0; y < height; y++)
        {
            var row = 54 + ((height - 1 - y) * rowBytes);
            for (var x = 0; x < width; x++)
            {
                var s = ((y * width) + x) * 3;
                bmp[row + (x * 3)] = rgb[s + 2];
                bmp[row + (x * 3) + 1] = rgb[s + 1];
                bmp[row + (x * 3) + 2] = rgb[s];
            }
        }

        return bmp;
    }

    /// <summary>
    /// An animated GIF89a of 2x2 frames over a 4-colour palette, looping; <paramref name="frames"/> holds 4 palette
    /// indices per frame, row-major. <paramref name="transparentIndex"/> marks one palette entry transparent.
    /// </summary>
    public static byte[] AnimatedGif(byte[][] paletteRgb, byte[][] frames, int? transparentIndex = null)
    {
        var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        gif.Write([2, 0, 2, 0]);        // logical screen 2x2
        gif.Write([0x91, 0, 0]);        // global colour table of 2^(1+1) = 4 entries, background 0, no aspect
        foreach (var colour in paletteRgb)
        {
            gif.Write(colour);
        }

        gif.Write([0x21, 0xFF, 11]);
        gif.Write("NETSCAPE2.0"u8);
        gif.Write([3, 1, 0, 0, 0]);     // loop forever
        foreach (var frame in frames)
        {
            // graphic control: keep frame, 100 ms, optional transparent index
            gif.Write([0x21, 0xF9, 4, (byte)(transparentIndex is null ? 0x04 : 0x05), 10, 0, (byte)(transparentIndex ?? 0), 0]);
            gif.Write([0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0]);  // image descriptor at (0,0), 2x2, no local table
            var lzw = Lzw2BitLiterals(frame);
            gif.WriteByte(2);                              // LZW minimum code size for a 4-colour palette
            gif.WriteByte((byte)lzw.Length);
            gif.Write(lzw);
            gif.WriteByte(0);
        }

        gif.WriteByte(0x3B);
        return gif.ToArray();
    }

    /// <summary>
    /// LZW for 2-bit pixels that never lets the dictionary grow past 3-bit codes: a Clear code (4) before every
    /// pair of literals, then End (5); codes are packed least-significant bit first as GIF requires.
    /// </summary>
    private static byte[] Lzw2BitLiterals(byte[] indices)
    {
        var codes = new List<int>();
        for (var i = 0; i < indices.Length; i++)
        {
            if (i % 2 == 0)
            {
                codes.Add(4);
            }

            codes.Add(indices[i]);
        }

        codes.Add(5);
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var code in codes)
        {
            buffer |= code << bits;
            bits += 3;
            while (bits >= 8)
            {
                bytes.Add((byte)buffer);
                buffer >>= 8;
                bits -= 8;
            }
        }

        if (bits > 0)
        {
            bytes.Add((byte)buffer);
        }

        return [.. bytes];
    }

    /// <summary>A Windows icon whose single entry is the given PNG (a format Skia reads but retrain rejects).</summary>
    public static byte[] IcoWrappingPng(byte[] png, int width, int height)
    {
        var ico = new byte[6 + 16 + png.Length];
        BinaryPrimitives.WriteInt16LittleEndian(ico.AsSpan(2), 1); // type: icon
        BinaryPrimitives.WriteInt16LittleEndian(ico.AsSpan(4), 1); // one image
        ico[6] = (byte)width;
        ico[7] = (byte)height;
        BinaryPrimitives.WriteInt16LittleEndian(ico.AsSpan(10), 1);
        BinaryPrimitives.WriteInt16LittleEndian(ico.AsSpan(12), 32);
        BinaryPrimitives.WriteInt32LittleEndian(ico.AsSpan(14), png.Length);
        BinaryPrimitives.WriteInt32LittleEndian(ico.AsSpan(18), 22);
        png.CopyTo(ico, 22);
        return ico;
    }
}
