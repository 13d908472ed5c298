using Retrain.Data;
using Xunit;

namespace Retrain.Tests.Data;

public class PythonPathTests
{
    [Theory]
    [InlineData("flower_photos", "flower_photos/daisy/a.jpg")]
    [InlineData("flower_photos/", "flower_photos/daisy/a.jpg")]
    [InlineData("/tmp/flower_photos", "/tmp/flower_photos/daisy/a.jpg")]
    [InlineData("./flower_photos//", "./flower_photos//daisy/a.jpg")]
    [InlineData("", "daisy/a.jpg")]
    public void Join_FollowsPosixpathJoin(string imageDir, string expected)
    {
        Assert.Equal(expected, PythonPath.Join(imageDir, "daisy", "a.jpg"));
    }

    [Fact]
    public void Join_AbsoluteLaterPart_StartsOver()
    {
        Assert.Equal("/b/c", PythonPath.Join("a", "/b", "c"));
    }
}
