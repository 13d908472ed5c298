using Xunit;

namespace Retrain.Tests.TestSupport;

public class SharedDataTests
{
    [Fact]
    public void Path_FindsTheSharedReadme()
    {
        var readme = SharedData.Path("README.md");
        Assert.True(File.Exists(readme));
    }
}
