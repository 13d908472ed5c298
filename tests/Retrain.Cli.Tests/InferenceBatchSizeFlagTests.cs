using Retrain.Cli;
using Retrain.Inference;
using Xunit;

namespace Retrain.Tests;

/// <summary>--inference_batch_size: left out, the device chooses (the CPU's 16 exactly as before, 64 on a GPU).</summary>
public class InferenceBatchSizeFlagTests
{
    private static RetrainOptions Bind(params string[] args) => RetrainCommand.Bind(RetrainCommand.Create().Parse(["--image_dir", "i", .. args]));

    [Fact]
    public void LeftOut_IsSixteenOnTheCpu()
    {
        var options = Bind();

        Assert.Null(options.InferenceBatchSize);
        Assert.Equal(16, options.EffectiveInferenceBatchSize);
    }

    [Fact]
    public void LeftOut_IsSixtyFourOnCuda()
    {
        var options = Bind("--device", "cuda", "--gpu_id", "1");

        Assert.Null(options.InferenceBatchSize);
        Assert.Equal(ExecutionDevice.Cuda(1), options.Inference.Device);
        Assert.Equal(64, options.EffectiveInferenceBatchSize);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda")]
    public void Given_IsWhatEveryDeviceUses(string device)
    {
        var options = Bind("--device", device, "--inference_batch_size", "8");

        Assert.Equal(8, options.InferenceBatchSize);
        Assert.Equal(8, options.EffectiveInferenceBatchSize);
    }

    [Fact]
    public void TheGpusPathsRunOnTheCpu_UseTheGpusDefault() =>
        Assert.Equal(64, new RetrainOptions { ImageDir = "i", Inference = new InferenceSettings(ExecutionDevice.CpuLikeCuda) }.EffectiveInferenceBatchSize);
}
