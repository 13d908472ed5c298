using Retrain.Errors;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.BadInput;

/// <summary>
/// Issue 15, defect 9: an --inference_batch_size past what fits in memory (1073741824 crashed in the channel's
/// constructor, 1073741823 ran out of memory) is a usage error naming the flag and its bound, before any work.
/// label-image has no batch flag: it labels one image per call of the model.
/// </summary>
public sealed class BatchSizeFlagTests : IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData(1_073_741_824)]
    [InlineData(1_073_741_823)]
    [InlineData(RetrainOptions.MaxInferenceBatchSize + 1)]
    public void InferenceBatchSizeAboveTheBound_IsAUsageErrorNamingTheFlagAndTheBound(int size)
    {
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 4, classes: ["blue", "red"]);
        var model = TinyBackbone.Write(_work.Path);
        var options = TinyRuns.Options(_work.Path, imageDir, model) with { InferenceBatchSize = size };
        var inputs = InputSnapshot.Take(_work.Path);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal("Invalid value for --inference_batch_size: it must be from 1 to 1,024.", error.Message);
        inputs.AssertUnchanged();
    }

    [Fact]
    public void InferenceBatchSizeAtTheBound_Runs()
    {
        var imageDir = Path.Combine(_work.Path, "images");
        TinyDataset.Create(imageDir, perClass: 4, classes: ["blue", "red"]);
        var options = TinyRuns.Options(_work.Path, imageDir, TinyBackbone.Write(_work.Path)) with
        {
            InferenceBatchSize = RetrainOptions.MaxInferenceBatchSize,
            HowManyTrainingSteps = 2,
        };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, CancellationToken.None);

        Assert.True(File.Exists(result.OutputGraph));
    }

    [Fact]
    public void BatchesOfTheLargestImages_AreCutToWhatFitsInAnArray()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("input", -1, ImageInputLimit.MaxSide, ImageInputLimit.MaxSide, 3);
        g.IntConst("axes", [1, 2], 2);
        g.Op("Mean", "pooled", ["input", "axes"], Bool("keep_dims", false));
        using var runner = ModelRunner.Create(GraphImporter.Import(g.Graph, "input", "pooled"), new InferenceSettings(IntraOpThreads: 1));

        Assert.Equal(2, runner.BatchSizeFor(RetrainOptions.MaxInferenceBatchSize));
        Assert.Equal(1, runner.BatchSizeFor(1));
    }
}
