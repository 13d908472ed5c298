namespace Retrain.Images;

/// <summary>
/// Catches the JPEGs that libjpeg decodes "successfully" with made-up pixels: data cut short but ending in an EOI
/// marker (FF D9), or a header that declares far more pixels than the file holds. libjpeg only warns ("Corrupt JPEG
/// data: premature end of data segment"), fills every block it could not read with zero coefficients (flat grey 128)
/// and reports success, so Skia does too; TensorFlow's <c>decode_jpeg</c> prints that warning and trains on the grey.
/// retrain skips such files instead, naming them, since a half-grey photo only teaches the classifier noise.
/// <para>
/// Two checks, both certain rather than heuristic: <see cref="ImpossiblySmall"/> before decoding (every Huffman-coded
/// block costs at least one bit, two in a sequential scan), and <see cref="CutShort"/> after decoding, run only when
/// the image ends in the grey fill, which walks the Huffman codes of a sequential JPEG and tells whether its data
/// ran out before the last block.
/// </para>
/// </summary>
internal static class JpegDataCheck
{
    /// <summary>
    /// The file holds fewer bits than the blocks its header declares could ever be coded in, or null when the sizes
    /// fit (or the file is not a Huffman-coded JPEG this can judge).
    /// </summary>
    public static string? ImpossiblySmall(ReadOnlySpan<byte> jpeg)
    {
        if (!TryReadFrame(jpeg, out var frame))
        {
            return null;
        }

        var minimumBits = frame.TotalBlocks * (frame.Progressive ? 1 : 2);
        return jpeg.Length * 8L < minimumBits
            ? $"the header declares {frame.Width}x{frame.Height} pixels, but the file's {jpeg.Length} bytes cannot hold the data of even a blank image that size (cut short or corrupt)"
            : null;
    }

    /// <summary>
    /// True when the decoded image's last pixels (stored orientation, RGBA) are exactly the grey 128 that libjpeg
    /// writes for blocks it had no data for: the trigger for <see cref="CutShort"/>.
    /// </summary>
    public static bool EndsInGreyFill(ReadOnlySpan<byte> rgba, int width, int height)
    {
        const int Grey = 128;
        var last = rgba.Slice(((height * width) - Math.Min(width, 4)) * 4);
        for (var i = 0; i < last.Length; i += 4)
        {
            if (last[i] != Grey || last[i + 1] != Grey || last[i + 2] != Grey)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Walks every block of a sequential Huffman-coded JPEG; returns why its data is incomplete, or null when every
    /// block is there (or the file is progressive or arithmetic-coded, which this does not walk).
    /// </summary>
    public static string? CutShort(ReadOnlySpan<byte> jpeg)
    {
        if (!TryReadFrame(jpeg, out var frame) || frame.Progressive)
        {
            return null;
        }

        var tables = new HuffmanTable?[8]; // DC 0-3, AC 4-7
        var restartInterval = 0;
        var pos = 2;
        var scans = 0;
        while (pos + 4 <= jpeg.Length)
        {
            if (jpeg[pos] != 0xFF)
            {
                return null; // not where a marker should be: leave the judgement to the decoder
            }

            var marker = jpeg[pos + 1];
            if (marker == 0xFF)
            {
                pos++; // fill byte
                continue;
            }

            if (marker == 0xD9)
            {
                break;
            }

            var length = (jpeg[pos + 2] << 8) | jpeg[pos + 3];
            if (length < 2 || pos + 2 + length > jpeg.Length)
            {
                return null;
            }

            var segment = jpeg.Slice(pos + 4, length - 2);
            switch (marker)
            {
                case 0xC4 when !ReadHuffmanTables(segment, tables):
                    return null;
                case 0xDD when segment.Length >= 2:
                    restartInterval = (segment[0] << 8) | segment[1];
                    break;
                case 0xDA:
                    var data = jpeg[(pos + 2 + length)..];
                    var walked = WalkScan(segment, frame, tables, restartInterval, data, out var consumed);
                    if (walked is not null)
                    {
                        return walked;
                    }

                    scans++;
                    pos += 2 + length + consumed;
                    continue;
            }

            pos += 2 + length;
        }

        return scans == 0 ? "the file has no image data (no scan)" : null;
    }

    private static string? WalkScan(
        ReadOnlySpan<byte> header, Frame frame, HuffmanTable?[] tables, int restartInterval, ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (header.Length < 1 || header[0] is < 1 or > 4 || header.Length < 1 + (2 * header[0]))
        {
            return null;
        }

        var count = header[0];
        var components = new (int H, int V, HuffmanTable Dc, HuffmanTable Ac)[count];
        for (var i = 0; i < count; i++)
        {
            var id = header[1 + (2 * i)];
            var selectors = header[2 + (2 * i)];
            var c = Array.IndexOf(frame.Ids, id);
            if (c < 0 || tables[selectors >> 4 & 3] is not { } dc || tables[4 + (selectors & 3)] is not { } ac)
            {
                return null;
            }

            components[i] = count == 1 ? (1, 1, dc, ac) : (frame.H[c], frame.V[c], dc, ac);
        }

        // One component alone is coded block by block over its own size; several are interleaved by MCU.
        var single = Array.IndexOf(frame.Ids, header[1]);
        var units = count == 1 ? frame.ComponentBlocksWide(single) * frame.ComponentBlocksHigh(single) : frame.McuCount;

        var bits = new BitReader(data);
        for (var unit = 0; unit < units; unit++)
        {
            var ok = restartInterval <= 0 || unit == 0 || unit % restartInterval != 0 || bits.Restart();
            foreach (var (h, v, dc, ac) in components)
            {
                for (var b = 0; ok && b < h * v; b++)
                {
                    ok = WalkBlock(ref bits, dc, ac);
                }
            }

            if (!ok)
            {
                var done = 100.0 * unit / units;
                return bits.HitMarker
                    ? $"its JPEG data ends {done:0}% of the way through the image (cut short), so the decoder would fill the rest with flat grey"
                    : $"its JPEG data is corrupt {done:0}% of the way through the image (an invalid Huffman code), so the decoder would fill the rest with flat grey";
            }
        }

        consumed = bits.EndOfScan();
        return null;
    }

    private static bool WalkBlock(ref BitReader bits, HuffmanTable dc, HuffmanTable ac)
    {
        var s = dc.Decode(ref bits);
        if (s < 0 || !bits.Skip(s))
        {
            return false;
        }

        for (var k = 1; k < 64; k++)
        {
            var rs = ac.Decode(ref bits);
            if (rs < 0)
            {
                return false;
            }

            var run = rs >> 4;
            var size = rs & 15;
            if (size == 0)
            {
                if (run != 15)
                {
                    return true; // end of block
                }

                k += 15;
                continue;
            }

            k += run;
            if (!bits.Skip(size))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ReadHuffmanTables(ReadOnlySpan<byte> segment, HuffmanTable?[] tables)
    {
        var pos = 0;
        while (pos + 17 <= segment.Length)
        {
            var tableClass = segment[pos] >> 4;
            var id = segment[pos] & 15;
            var counts = segment.Slice(pos + 1, 16);
            var total = 0;
            foreach (var n in counts)
            {
                total += n;
            }

            if (tableClass > 1 || id > 3 || pos + 17 + total > segment.Length)
            {
                return false;
            }

            tables[(tableClass * 4) + id] = new HuffmanTable(counts, segment.Slice(pos + 17, total));
            pos += 17 + total;
        }

        return pos == segment.Length;
    }

    private static bool TryReadFrame(ReadOnlySpan<byte> jpeg, out Frame frame)
    {
        frame = default;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return false;
        }

        var pos = 2;
        while (pos + 4 <= jpeg.Length && jpeg[pos] == 0xFF)
        {
            var marker = jpeg[pos + 1];
            if (marker == 0xFF)
            {
                pos++;
                continue;
            }

            var length = (jpeg[pos + 2] << 8) | jpeg[pos + 3];
            if (length < 2 || pos + 2 + length > jpeg.Length || marker is 0xDA or 0xD9)
            {
                return false; // a scan before any frame header, or a broken segment: the decoder will say so
            }

            // SOF0-2 are the Huffman-coded frames Skia decodes (SOF9+ use arithmetic coding, SOF3 is lossless).
            if (marker is 0xC0 or 0xC1 or 0xC2)
            {
                return Frame.TryParse(jpeg.Slice(pos + 4, length - 2), marker == 0xC2, out frame);
            }

            if (marker is >= 0xC3 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return false;
            }

            pos += 2 + length;
        }

        return false;
    }

    private readonly record struct Frame(int Width, int Height, bool Progressive, byte[] Ids, int[] H, int[] V, int MaxH, int MaxV)
    {
        /// <summary>
        /// Blocks that cover each component's own samples, without the padding to whole MCUs that an interleaved scan
        /// adds: a lower bound on the blocks any scan layout codes.
        /// </summary>
        public long TotalBlocks
        {
            get
            {
                long blocks = 0;
                for (var i = 0; i < H.Length; i++)
                {
                    blocks += (long)ComponentBlocksWide(i) * ComponentBlocksHigh(i);
                }

                return blocks;
            }
        }

        public int ComponentBlocksWide(int c) => (int)Math.Ceiling(Math.Ceiling(Width * H[c] / (double)MaxH) / 8);

        public int ComponentBlocksHigh(int c) => (int)Math.Ceiling(Math.Ceiling(Height * V[c] / (double)MaxV) / 8);

        public int McuCount => ((Width + (8 * MaxH) - 1) / (8 * MaxH)) * ((Height + (8 * MaxV) - 1) / (8 * MaxV));

        public static bool TryParse(ReadOnlySpan<byte> sof, bool progressive, out Frame frame)
        {
            frame = default;
            if (sof.Length < 6)
            {
                return false;
            }

            var height = (sof[1] << 8) | sof[2];
            var width = (sof[3] << 8) | sof[4];
            var count = sof[5];
            if (width == 0 || height == 0 || count is < 1 or > 4 || sof.Length < 6 + (3 * count))
            {
                return false;
            }

            var ids = new byte[count];
            var h = new int[count];
            var v = new int[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = sof[6 + (3 * i)];
                h[i] = sof[7 + (3 * i)] >> 4;
                v[i] = sof[7 + (3 * i)] & 15;
                if (h[i] is < 1 or > 4 || v[i] is < 1 or > 4)
                {
                    return false;
                }
            }

            frame = new Frame(width, height, progressive, ids, h, v, h.Max(), v.Max());
            return true;
        }
    }

    /// <summary>A canonical Huffman code (JPEG Annex C), decoded a bit at a time: this runs only on suspect files.</summary>
    private sealed class HuffmanTable
    {
        private readonly int[] _maxCode = new int[17];
        private readonly int[] _offset = new int[17];
        private readonly byte[] _symbols;

        public HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
        {
            _symbols = symbols.ToArray();
            int code = 0, k = 0;
            for (var length = 1; length <= 16; length++)
            {
                _offset[length] = k - code;
                code += counts[length - 1];
                k += counts[length - 1];
                _maxCode[length] = counts[length - 1] == 0 ? -1 : code - 1;
                code <<= 1;
            }
        }

        /// <summary>The next symbol, or -1 when the data ran out or holds no valid code.</summary>
        public int Decode(ref BitReader bits)
        {
            var code = 0;
            for (var length = 1; length <= 16; length++)
            {
                var bit = bits.Read();
                if (bit < 0)
                {
                    return -1;
                }

                code = (code << 1) | bit;
                if (code <= _maxCode[length])
                {
                    var index = code + _offset[length];
                    return index < _symbols.Length ? _symbols[index] : -1;
                }
            }

            return -1;
        }
    }

    /// <summary>Entropy-coded bits with JPEG's byte stuffing (FF 00); stops at the first marker.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;
        private int _byte;
        private int _bitsLeft;

        public bool HitMarker { get; private set; }

        public int Read()
        {
            if (_bitsLeft == 0)
            {
                if (_pos >= _data.Length)
                {
                    HitMarker = true;
                    return -1;
                }

                var b = _data[_pos];
                if (b == 0xFF)
                {
                    if (_pos + 1 >= _data.Length || _data[_pos + 1] != 0x00)
                    {
                        HitMarker = true;
                        return -1;
                    }

                    _pos++;
                }

                _pos++;
                _byte = b;
                _bitsLeft = 8;
            }

            _bitsLeft--;
            return (_byte >> _bitsLeft) & 1;
        }

        public bool Skip(int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (Read() < 0)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Drops the padding bits and expects the RSTn marker that must follow.</summary>
        public bool Restart()
        {
            _bitsLeft = 0;
            while (_pos + 1 < _data.Length && _data[_pos] == 0xFF && _data[_pos + 1] == 0xFF)
            {
                _pos++;
            }

            if (_pos + 1 < _data.Length && _data[_pos] == 0xFF && _data[_pos + 1] is >= 0xD0 and <= 0xD7)
            {
                _pos += 2;
                return true;
            }

            HitMarker = true;
            return false;
        }

        /// <summary>Bytes up to the marker that ends the scan.</summary>
        public int EndOfScan()
        {
            var pos = _pos;
            while (pos + 1 < _data.Length && !(_data[pos] == 0xFF && _data[pos + 1] is not 0x00 and not (>= 0xD0 and <= 0xD7)))
            {
                pos++;
            }

            return pos;
        }
    }
}
