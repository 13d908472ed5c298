using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Export;

/// <summary>--intermediate_store_frequency on the tiny setup.</summary>
public class IntermediateGraphsTests
{
    [Fact]
    public void Run_EveryNSteps_WritesACompleteGraphOfTheLayerAtThatStep()
    {
        using var tiny = new TinyRetrain();
        var options = tiny.Options() with { HowManyTrainingSteps = 25, IntermediateStoreFrequency = 10 };

        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        // retrain.py: i % frequency == 0 and i > 0, for i in 0..24.
        Assert.Equal(
            ["intermediate_10.pb", "intermediate_20.pb"],
            Directory.GetFiles(options.IntermediateOutputGraphsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The layer after step 10 is what an 11-step run ends with (later draws cannot change it): label-image on the
        // intermediate graph must give that run's in-process test probabilities.
        var at10 = RetrainEngine.Run(
            tiny.Options("at10") with { HowManyTrainingSteps = 11 }, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var labelled = LabelImageEngine.Run(
            new LabelImageOptions
            {
                Graph = Path.Combine(options.IntermediateOutputGraphsDir, "intermediate_10.pb"),
                Labels = options.OutputLabels,
                Images = at10.TestImages,
            },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        Assert.NotEmpty(at10.TestImages);
        var classes = at10.Labels.Count;
        for (var i = 0; i < at10.TestImages.Count; i++)
        {
            for (var c = 0; c < classes; c++)
            {
                Assert.Equal(at10.Training.Test.Probabilities[(i * classes) + c], labelled.Images[i].Probabilities[c], 1e-5f);
            }
        }

        // And it is not simply the final layer.
        var final = LabelImageEngine.Run(
            new LabelImageOptions { Graph = options.OutputGraph, Labels = options.OutputLabels, Images = at10.TestImages },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);
        Assert.NotEqual(final.Images[0].Probabilities, labelled.Images[0].Probabilities);
    }

    [Fact]
    public void NegativeFrequency_IsAUsageError()
    {
        using var tiny = new TinyRetrain(perClass: 1);

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            tiny.Options() with { IntermediateStoreFrequency = -1 }, new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--intermediate_store_frequency", error.Message, StringComparison.Ordinal);
    }
}
