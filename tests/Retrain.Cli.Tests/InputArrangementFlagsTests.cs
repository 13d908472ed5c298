using Retrain.Cli;
using Retrain.Errors;
using Retrain.Images;
using Xunit;

namespace Retrain.Tests;

/// <summary>Issue 18, part 1: the flags that describe how an ONNX model's input holds an image.</summary>
public class InputArrangementFlagsTests
{
    private static RetrainOptions Bind(params string[] args) => RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i", .. args]));

    [Fact]
    public void ThreeValues_ArePerChannel_AndOneValueStaysRetrainPys()
    {
        var o = Bind("--input_mean", "123.675,116.28,103.53", "--input_std", "58.395, 57.12, 57.375", "--input_layout", "nchw", "--input_channel_order", "bgr");

        Assert.Equal([123.675f, 116.28f, 103.53f], o.Model.Arrangement.ChannelMeans!);
        Assert.Equal([58.395f, 57.12f, 57.375f], o.Model.Arrangement.ChannelStds!);
        Assert.Equal(TensorLayout.Nchw, o.Model.Arrangement.Layout);
        Assert.Equal(ChannelOrder.Bgr, o.Model.Arrangement.ChannelOrder);
        Assert.Null(o.Model.InputMean);

        var one = Bind("--input_mean", "128", "--input_std", "128");
        Assert.Equal(128f, one.Model.InputMean);
        Assert.False(one.Model.Arrangement.IsGiven);
    }

    [Theory]
    [InlineData("--input_mean", "1,2", "three")]
    [InlineData("--input_std", "1,0,1", "other than 0")]
    public void WrongCounts_AreUsageErrorsNamingTheFlag(string flag, string value, string expected)
    {
        var e = Assert.Throws<RetrainException>(() => Bind(flag, value).Model.Validate());

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains(flag, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonNumber_IsAUsageErrorNamingTheFlag()
    {
        var e = Assert.Throws<RetrainException>(() => Bind("--input_mean", "1,x,3"));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--input_mean", e.Message, StringComparison.Ordinal);
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }
}
