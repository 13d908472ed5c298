using System.Buffers.Binary;
using System.Numerics;

namespace Retrain.IO;

/// <summary>
/// CRC-32C (Castagnoli), the checksum TFRecord framing and the bottleneck cache use. BitOperations.Crc32C maps to the
/// SSE4.2/ARMv8 CRC instruction where available, so checking a 8 KiB vector costs well under a microsecond.
/// </summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>TFRecord's masked form: rotate right by 15 and add a constant, so a CRC of CRCs is not trivially zero.</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}
