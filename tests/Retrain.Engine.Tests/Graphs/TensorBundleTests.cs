using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>The tensor bundle reader against TensorFlow-written variables (half_plus_two: y = a*x + b, a=0.5, b=2).</summary>
public class TensorBundleTests
{
    private static string Prefix() => Path.Combine(
        SharedData.Path("models/savedmodel_testdata/saved_model_half_plus_two_cpu/00000123/variables"), "variables");

    [Fact]
    public void Read_TensorFlowWrittenBundle_ReturnsTheVariables()
    {
        var bundle = TensorBundle.Open(Prefix());

        Assert.Contains("a", bundle.Names);
        Assert.Contains("b", bundle.Names);
        var a = bundle.Read("a");
        var b = bundle.Read("b");
        Assert.Equal(DataType.DtFloat, a.Dtype);
        Assert.Equal(0.5f, BitConverter.ToSingle(a.TensorContent.Span));
        Assert.Equal(2f, BitConverter.ToSingle(b.TensorContent.Span));
    }

    [Theory]
    [InlineData("saved_model_half_plus_three")]
    [InlineData("saved_model_half_plus_two_tf2_cpu")]
    [InlineData("saved_model_counter")]
    public void Read_EveryVariableOfTensorFlowWrittenBundles_PassesItsChecksum(string model)
    {
        var prefix = Path.Combine(SharedData.Path($"models/savedmodel_testdata/{model}/00000123/variables"), "variables");
        var bundle = TensorBundle.Open(prefix);

        Assert.NotEmpty(bundle.Names);
        foreach (var name in bundle.Names.Where(n => bundle.DataTypeOf(n) != DataType.DtString))
        {
            var tensor = bundle.Read(name);
            Assert.NotEqual(DataType.DtInvalid, tensor.Dtype);
        }
    }

    [Fact]
    public void Open_TruncatedIndex_NamesTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("bundle-");
        try
        {
            var source = File.ReadAllBytes(Prefix() + ".index");
            var prefix = Path.Combine(dir.FullName, "variables");
            File.WriteAllBytes(prefix + ".index", source[..^10]);

            var e = Assert.Throws<RetrainException>(() => TensorBundle.Open(prefix));
            Assert.Equal(ExitCode.BadModel, e.Code);
            Assert.Contains(prefix + ".index", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Open_FlippedByteInIndexBlock_FailsItsChecksum()
    {
        var dir = Directory.CreateTempSubdirectory("bundle-");
        try
        {
            var source = File.ReadAllBytes(Prefix() + ".index");
            source[1] ^= 0x40;
            var prefix = Path.Combine(dir.FullName, "variables");
            File.WriteAllBytes(prefix + ".index", source);

            var e = Assert.Throws<RetrainException>(() => TensorBundle.Open(prefix));
            Assert.Contains("CRC-32C", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Read_TruncatedShard_NamesTheShard()
    {
        var dir = Directory.CreateTempSubdirectory("bundle-");
        try
        {
            var prefix = Path.Combine(dir.FullName, "variables");
            File.Copy(Prefix() + ".index", prefix + ".index");
            var shard = Directory.GetFiles(Path.GetDirectoryName(Prefix())!, "variables.data-*").Single();
            File.WriteAllBytes(Path.Combine(dir.FullName, Path.GetFileName(shard)), File.ReadAllBytes(shard)[..2]);
            var bundle = TensorBundle.Open(prefix);

            var e = Assert.Throws<RetrainException>(() => { bundle.Read("a"); bundle.Read("b"); });
            Assert.Contains(Path.GetFileName(shard), e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
