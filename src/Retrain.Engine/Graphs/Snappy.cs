namespace Retrain.Graphs;

/// <summary>
/// Decodes Snappy's raw block format (github.com/google/snappy, format_description.txt): TensorFlow's table writer
/// compresses index blocks with it by default. Returns null on malformed input; the caller names the file.
/// </summary>
internal static class Snappy
{
    public static byte[]? Decompress(ReadOnlySpan<byte> input)
    {
        var position = 0;
        ulong length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (position >= input.Length || shift > 28)
            {
                return null;
            }

            var b = input[position++];
            length |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        if (length > int.MaxValue)
        {
            return null;
        }

        var output = new byte[length];
        var written = 0;
        while (position < input.Length)
        {
            var tag = input[position++];
            int copyLength;
            int offset;
            switch (tag & 3)
            {
                case 0:
                    var literal = (tag >> 2) + 1;
                    if (literal > 60)
                    {
                        var extra = literal - 60;
                        if (position + extra > input.Length)
                        {
                            return null;
                        }

                        literal = 0;
                        for (var i = 0; i < extra; i++)
                        {
                            literal |= input[position + i] << (8 * i);
                        }

                        literal += 1;
                        position += extra;
                    }

                    if (literal <= 0 || position + literal > input.Length || written + literal > output.Length)
                    {
                        return null;
                    }

                    input.Slice(position, literal).CopyTo(output.AsSpan(written));
                    position += literal;
                    written += literal;
                    continue;
                case 1:
                    if (position >= input.Length)
                    {
                        return null;
                    }

                    copyLength = ((tag >> 2) & 7) + 4;
                    offset = ((tag >> 5) << 8) | input[position++];
                    break;
                case 2:
                    if (position + 2 > input.Length)
                    {
                        return null;
                    }

                    copyLength = (tag >> 2) + 1;
                    offset = input[position] | (input[position + 1] << 8);
                    position += 2;
                    break;
                default:
                    if (position + 4 > input.Length)
                    {
                        return null;
                    }

                    copyLength = (tag >> 2) + 1;
                    offset = input[position] | (input[position + 1] << 8) | (input[position + 2] << 16)
                        | (input[position + 3] << 24);
                    position += 4;
                    break;
            }

            if (offset <= 0 || offset > written || written + copyLength > output.Length)
            {
                return null;
            }

            // Byte by byte: a copy may overlap the bytes it produces (offset < length repeats a pattern).
            for (var i = 0; i < copyLength; i++)
            {
                output[written] = output[written - offset];
                written++;
            }
        }

        return written == output.Length ? output : null;
    }
}
