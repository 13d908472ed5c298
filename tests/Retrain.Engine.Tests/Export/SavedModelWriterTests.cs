using Retrain.Errors;
using Retrain.Export;
using Retrain.Graphs;
using Retrain.Protos.TensorFlow;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Export;

/// <summary>--saved_model_dir on the tiny setup: retrain.py's export_model layout, runnable by label-image.</summary>
public class SavedModelWriterTests
{
    [Fact]
    public void Run_WritesAServeSavedModelOfTheOutputGraph_ThatLabelImageRunsWithTheSameScores()
    {
        using var tiny = new TinyRetrain();
        var dir = tiny.PathOf("run", "saved_model");
        var options = tiny.Options() with { SavedModelDir = dir };

        var result = RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);

        var saved = SavedModel.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "saved_model.pb")));
        Assert.Equal(1, saved.SavedModelSchemaVersion);
        var meta = Assert.Single(saved.MetaGraphs);
        Assert.Equal(["serve"], meta.MetaInfoDef.Tags);
        Assert.Equal(GraphDef.Parser.ParseFrom(File.ReadAllBytes(options.OutputGraph)), meta.GraphDef);
        var signature = Assert.Single(meta.SignatureDef);
        Assert.Equal("serving_default", signature.Key);
        Assert.Equal("tensorflow/serving/predict", signature.Value.MethodName);
        var image = Assert.Single(signature.Value.Inputs);
        Assert.Equal("image", image.Key);
        Assert.Equal("input:0", image.Value.Name);
        Assert.Equal(DataType.DtFloat, image.Value.Dtype);
        Assert.Equal([-1L, TinyRetrain.Side, TinyRetrain.Side, 3], image.Value.TensorShape.Dim.Select(d => d.Size));
        var prediction = Assert.Single(signature.Value.Outputs);
        Assert.Equal("prediction", prediction.Key);
        Assert.Equal("final_result:0", prediction.Value.Name);
        Assert.Equal([-1L, 3], prediction.Value.TensorShape.Dim.Select(d => d.Size));

        // A frozen graph has no variables: TensorFlow's builder leaves variables/ empty for such a graph.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir, "variables")));
        Assert.Equal(["saved_model.pb", "variables"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(tiny.PathOf("run", string.Empty), ".saved_model.tmp-*"));

        var fromSavedModel = Label(dir, options.OutputLabels, result.TestImages);
        var fromGraph = Label(options.OutputGraph, options.OutputLabels, result.TestImages);
        Assert.Equal(fromGraph.Images.Select(i => i.Probabilities), fromSavedModel.Images.Select(i => i.Probabilities));
    }

    [Fact]
    public void Run_IntoANonEmptyFolder_IsRefusedBeforeAnyWork()
    {
        using var tiny = new TinyRetrain(perClass: 1);
        var dir = tiny.PathOf("run", "saved_model");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "saved_model.pb"), "an earlier export");
        var log = new LogCapture();

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            tiny.Options() with { SavedModelDir = dir }, log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains("already exists and is not empty", error.Message, StringComparison.Ordinal);
        Assert.Empty(log.Events); // refused before the images were even listed
        Assert.Equal("an earlier export", File.ReadAllText(Path.Combine(dir, "saved_model.pb")));
    }

    [Fact]
    public void Run_IntoAFile_SaysASavedModelIsAFolder_BeforeAnyWork()
    {
        using var tiny = new TinyRetrain(perClass: 1);
        var file = tiny.PathOf("run", "model.pb");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "a graph");
        var log = new LogCapture();

        var error = Assert.Throws<RetrainException>(() => RetrainEngine.Run(
            tiny.Options() with { SavedModelDir = file }, log.Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.IoError, error.Code);
        Assert.Contains($"--saved_model_dir '{file}' is a file. A SavedModel is a folder", error.Message, StringComparison.Ordinal);
        Assert.Empty(log.Events);
        Assert.Equal("a graph", File.ReadAllText(file));
    }

    [Fact]
    public void Run_IntoAnEmptyExistingFolderGivenWithATrailingSlash_Exports()
    {
        using var tiny = new TinyRetrain();
        var dir = tiny.PathOf("run", "saved_model");
        Directory.CreateDirectory(dir);

        RetrainEngine.Run(
            tiny.Options() with { SavedModelDir = dir + Path.DirectorySeparatorChar, HowManyTrainingSteps = 2 },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);

        Assert.True(SavedModelFile.IsSavedModel(dir));
        Assert.Equal(["saved_model"], Directory.GetFileSystemEntries(tiny.PathOf("run", string.Empty), "*saved_model*").Select(Path.GetFileName));
    }

    private static LabelImageResult Label(string graph, string labels, IReadOnlyList<string> images) =>
        LabelImageEngine.Run(
            new LabelImageOptions { Graph = graph, Labels = labels, Images = images },
            new LogCapture().Logger,
            TestContext.Current.CancellationToken);
}
