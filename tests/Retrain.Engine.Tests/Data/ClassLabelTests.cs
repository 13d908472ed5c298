using Retrain.Data;
using Xunit;

namespace Retrain.Tests.Data;

public class ClassLabelTests
{
    // Expected values printed by Python: re.sub(r'[^a-z0-9]+', ' ', name.lower()).
    [Theory]
    [InlineData("daisy", "daisy")]
    [InlineData("Red Roses", "red roses")]
    [InlineData("red_roses", "red roses")]
    [InlineData("  Sun--Flowers!! ", " sun flowers ")]
    [InlineData("Daisy2", "daisy2")]
    [InlineData("\u0130stanbul", "i stanbul")]
    [InlineData("日本", " ")]
    [InlineData("KELVIN\u212A", "kelvink")]
    [InlineData("a\U0001F600b", "a b")]
    public void FromDirectoryName_FollowsPythonLowerAndRegex(string folder, string expected)
    {
        Assert.Equal(expected, ClassLabel.FromDirectoryName(folder));
    }
}
