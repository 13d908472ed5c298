namespace Retrain.Images;

/// <summary>
/// Names the format a file's first bytes claim, so a failure can say "PNG with a corrupt header" instead of "unknown
/// data". Skia does the real detection; this only words the error.
/// </summary>
internal static class ImageFormatSniffer
{
    public static string? Claimed(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "JPEG";
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']))
        {
            return "PNG";
        }

        if (data.StartsWith("GIF8"u8))
        {
            return "GIF";
        }

        if (data.StartsWith("BM"u8))
        {
            return "BMP";
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return "WebP";
        }

        return null;
    }

    /// <summary>The first bytes as hex (and as text when printable), for "what is this file actually?" messages.</summary>
    public static string Describe(ReadOnlySpan<byte> data)
    {
        var head = data[..Math.Min(8, data.Length)];
        var hex = Convert.ToHexString(head);
        var spaced = string.Join(' ', Enumerable.Range(0, head.Length).Select(i => hex.Substring(i * 2, 2)));
        var printable = true;
        foreach (var b in head)
        {
            printable &= b is >= 0x20 and < 0x7F or (byte)'\n' or (byte)'\r' or (byte)'\t';
        }

        return printable
            ? $"{spaced} (\"{System.Text.Encoding.ASCII.GetString(head).ReplaceLineEndings(" ")}\", looks like text)"
            : spaced;
    }
}
