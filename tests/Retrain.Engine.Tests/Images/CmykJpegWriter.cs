namespace Retrain.Tests.Images;

/// <summary>
/// A minimal baseline JPEG encoder for 4-component (CMYK) images made of flat 8x8 blocks, which no library here can
/// produce. A flat block has only a DC coefficient, so no DCT is needed: with an all-ones quantisation table,
/// DC = (value - 128) * 8 reconstructs the value exactly. Huffman tables are our own: DC categories 0-11 all get
/// 4-bit codes, and the AC table holds just end-of-block as the 1-bit code '0'. An Adobe APP14 marker with
/// transform 0 says "CMYK, stored inverted" as Photoshop writes it.
/// </summary>
internal static class CmykJpegWriter
{
    /// <param name="blocks">[blockRow, blockColumn] -> stored (C, M, Y, K) bytes of that 8x8 block.</param>
    public static byte[] Write((byte C, byte M, byte Y, byte K)[,] blocks)
    {
        int rows = blocks.GetLength(0), columns = blocks.GetLength(1);
        int width = columns * 8, height = rows * 8;
        var jpeg = new List<byte> { 0xFF, 0xD8 };

        Segment(jpeg, 0xEE, [.. "Adobe"u8, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);
        Segment(jpeg, 0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(jpeg, 0xC0,
        [
            8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 4,
            1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0,
        ]);
        byte[] dcCounts = [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Segment(jpeg, 0xC4, [0x00, .. dcCounts, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        byte[] acCounts = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Segment(jpeg, 0xC4, [0x10, .. acCounts, 0x00]);
        Segment(jpeg, 0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        var bits = new BitWriter(jpeg);
        var previousDc = new int[4];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var (cyan, magenta, yellow, black) = blocks[r, c];
                ReadOnlySpan<byte> values = [cyan, magenta, yellow, black];
                for (var component = 0; component < 4; component++)
                {
                    var dc = (values[component] - 128) * 8;
                    var diff = dc - previousDc[component];
                    previousDc[component] = dc;
                    var category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                    bits.Write(category, 4); // canonical codes of 12 equal-length symbols: code == symbol
                    bits.Write(diff >= 0 ? diff : diff + (1 << category) - 1, category);
                    bits.Write(0, 1);        // end of block: all 63 AC coefficients are zero
                }
            }
        }

        bits.Flush();
        jpeg.AddRange([0xFF, 0xD9]);
        return [.. jpeg];
    }

    private static void Segment(List<byte> jpeg, byte marker, byte[] payload)
    {
        var length = payload.Length + 2;
        jpeg.AddRange([0xFF, marker, (byte)(length >> 8), (byte)length]);
        jpeg.AddRange(payload);
    }

    /// <summary>Entropy-coded bits, most significant first, with 0xFF byte stuffing and 1-padding.</summary>
    private sealed class BitWriter(List<byte> output)
    {
        private int _buffer;
        private int _count;

        public void Write(int value, int length)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                _buffer = (_buffer << 1) | ((value >> i) & 1);
                if (++_count == 8)
                {
                    Emit();
                }
            }
        }

        public void Flush()
        {
            while (_count != 0)
            {
                Write(1, 1);
            }
        }

        private void Emit()
        {
            output.Add((byte)_buffer);
            if (_buffer == 0xFF)
            {
                output.Add(0x00);
            }

            _buffer = 0;
            _count = 0;
        }
    }
}
