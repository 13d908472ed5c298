using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Graphs;

/// <summary>Graphs written by retrain.py itself: backbone + PlaceholderWithDefault bottleneck + MatMul/Softmax head.</summary>
public class RetrainedGraphTests
{
    [Theory]
    [InlineData("mobilenet025_128_ssoniya/retrained_graph.pb", "mobilenet025_128_ssoniya/retrained_labels.txt")]
    [InlineData("mobilenet025_glasses/retrained_graph.pb", "mobilenet025_glasses/retrained_labels.txt")]
    [InlineData("mobilenet_quant_licenseplate/output_graph.pb", "mobilenet_quant_licenseplate/output_labels.txt")]
    public void Import_RetrainedGraph_GivesADistributionOverItsLabels(string graph, string labels)
    {
        var classes = File.ReadAllLines(SharedData.Path("models/retrained/" + labels)).Count(static l => l.Trim().Length > 0);
        var imported = GraphImporter.ImportFile(SharedData.Path("models/retrained/" + graph), "input", "final_result");

        Assert.Equal([imported.InputShape[0], classes], imported.OutputShape);
        TestContext.Current.SendDiagnosticMessage($"{graph}: input [{string.Join(",", imported.InputShape)}], {classes} classes, dynamic batch: {imported.BatchIsDynamic}");
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        Assert.Equal(classes, runner.OutputSizePerItem);
        var side = (int)imported.InputShape[1];
        var batch = Math.Min(2, runner.MaxBatchSize);
        var input = new float[batch * side * side * 3];
        for (var i = 0; i < batch; i++)
        {
            MobileNetImportTests.SyntheticImage(side, phase: i + 2).CopyTo(input, i * side * side * 3);
        }

        var output = new float[batch * classes];
        runner.Run(input, batch, output);
        for (var i = 0; i < batch; i++)
        {
            var distribution = output.AsSpan(i * classes, classes).ToArray();
            Assert.All(distribution, static p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1.0, distribution.Sum(static p => (double)p), 4);
        }
    }

    [Theory]
    [InlineData("input")]
    [InlineData("input:0")] // a tensor name, as label_image.py's --input_layer took them (--output_layer final_result:0 works too)
    public void Recognise_InputGivenAsNodeOrTensorName_TakesTheSizeFromThePlaceholder(string inputLayer)
    {
        var path = SharedData.Path("models/retrained/mobilenet025_128_ssoniya/retrained_graph.pb");

        var model = ModelRecognizer.ForClassification(GraphDefFile.Load(path), path, new ModelOverrides(InputNode: inputLayer), "final_result");

        Assert.Equal((128, 128), (model.InputHeight, model.InputWidth));
    }

    [Fact]
    public void Import_RetrainedGraphFromTheBottleneckPlaceholder_RunsOnlyTheHead()
    {
        // input_1/BottleneckInputPlaceholder is a PlaceholderWithDefault: as the input node it becomes the ONNX input.
        var imported = GraphImporter.ImportFile(
            SharedData.Path("models/retrained/mobilenet025_glasses/retrained_graph.pb"), "input_1/BottleneckInputPlaceholder", "final_result");

        Assert.True(imported.BatchIsDynamic);
        Assert.Equal([-1, 1001], imported.InputShape);
        Assert.Equal([-1, 2], imported.OutputShape);
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        var output = new float[3 * 2];
        runner.Run(new float[3 * 1001], 3, output);
        Assert.Equal(output[0], output[4], 6); // equal inputs, equal outputs
        Assert.Equal(1.0f, output[0] + output[1], 5);
    }
}
