using Retrain.Data;
using Xunit;

namespace Retrain.Tests.Data;

public class CodePointOrderTests
{
    [Fact]
    public void Sort_MatchesPythonSorted()
    {
        // Python: sorted(['b', 'B', 'a', 'ab', '\uff5e', '\U0001F600', 'a b']) gives this order; ordinal UTF-16 order
        // would put the emoji (surrogates D83D..) before U+FF5E.
        var names = new List<string> { "b", "B", "a", "ab", "\uFF5E", "\U0001F600", "a b" };
        names.Sort(CodePointOrder.Instance);
        Assert.Equal(["B", "a", "a b", "ab", "b", "\uFF5E", "\U0001F600"], names);
    }
}
