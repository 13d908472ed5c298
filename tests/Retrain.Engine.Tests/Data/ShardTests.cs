using Retrain.Data;
using Retrain.Errors;
using Xunit;

namespace Retrain.Tests.Data;

public class ShardTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Shards_CoverEveryPathExactlyOnce_AndRoughlyEvenly(int count)
    {
        var paths = Enumerable.Range(0, 2000).Select(i => $"photos/class{i % 7}/img{i:0000}.jpg").ToList();
        var shards = Enumerable.Range(0, count).Select(i => Shard.Checked(i, count, "test")).ToList();

        Assert.All(paths, p => Assert.Single(shards, s => s.Contains(p)));
        Assert.All(shards, s => Assert.InRange(paths.Count(s.Contains), (2000 / count) * 0.85, (2000 / count) * 1.15));
    }

    [Fact]
    public void Contains_DependsOnlyOnThePath()
    {
        var a = Shard.Parse("1/4", Flags.Shard);
        var b = Shard.Parse("1/4", Flags.Shard);
        var paths = Enumerable.Range(0, 200).Select(i => $"x/{i}.png").ToList();

        Assert.Equal(paths.Where(a.Contains), paths.Where(b.Contains));
        Assert.Equal("1/4", a.ToString());
    }

    [Theory]
    [InlineData("4/4", "from 0 to 3")]
    [InlineData("0/0", "at least 1")]
    [InlineData("-1/4", "INDEX/COUNT")]
    [InlineData("1", "INDEX/COUNT")]
    [InlineData("a/b", "INDEX/COUNT")]
    public void Parse_ImpossibleValues_AreUsageErrorsNamingTheFlag(string text, string expected)
    {
        var e = Assert.Throws<RetrainException>(() => Shard.Parse(text, Flags.Shard));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--shard", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
