using Retrain.IO;
using Xunit;

namespace Retrain.Tests.IO;

public class Crc32CTests
{
    [Fact]
    public void Compute_MatchesTheStandardCheckValue()
    {
        // The CRC-32C catalogue check value for "123456789".
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Mask_IsTfRecordsRotationPlusConstant()
    {
        var crc = Crc32C.Compute("123456789"u8);
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u), Crc32C.Mask(crc));
    }
}
