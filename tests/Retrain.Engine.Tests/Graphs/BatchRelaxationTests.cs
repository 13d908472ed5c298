using Retrain.Graphs;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Xunit;
using static Retrain.Tests.TestSupport.TfGraphBuilder;

namespace Retrain.Tests.Graphs;

/// <summary>
/// The importer makes the batch symbolic when the graph allows it (frozen graphs often hard-code batch 1), and
/// falls back to the graph's fixed batch when the graph really depends on it.
/// </summary>
public class BatchRelaxationTests
{
    [Fact]
    public void Import_ReshapeToBatchOneConstant_BecomesSymbolicAndRunsAnyBatch()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2, 2, 1);
        g.IntConst("shape", [1, 4], 2); // "[1, N]" as MobileNet's Predictions/Shape: the 1 is the batch
        g.Op("Reshape", "flat", ["x", "shape"]);
        g.Op("Softmax", "out", ["flat"]);
        var imported = GraphImporter.Import(g.Graph, "x", "out");

        Assert.True(imported.BatchIsDynamic);
        Assert.Equal([-1, 2, 2, 1], imported.InputShape);
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        Assert.Equal(int.MaxValue, runner.MaxBatchSize);
        var output = new float[3 * 4];
        runner.Run([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 10], 3, output);
        Assert.Equal(0.25f, output[0], 6);
        Assert.Equal(0.25f, output[7], 6);
        Assert.True(output[11] > 0.99f);
    }

    [Theory]
    [InlineData("reshape")]
    [InlineData("squeeze-all")]
    [InlineData("mean-over-batch")]
    [InlineData("higher-rank-constant")]
    public void Import_GraphThatDependsOnItsBatch_FallsBackToFixedBatchOne(string kind)
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2, 2, 1);
        switch (kind)
        {
            case "reshape":
                g.IntConst("shape", [2, 2], 2); // splits the items' values over two rows: only valid for batch 1
                g.Op("Reshape", "out", ["x", "shape"]);
                break;
            case "squeeze-all":
                g.Op("Squeeze", "out", ["x"]); // removes the batch of 1 too
                break;
            case "higher-rank-constant":
                g.Const("zeros", new float[4], 1, 1, 1, 2, 2, 1); // rank 6 against rank 4: the batch would move to dimension 2
                g.IntConst("flat", [1, 4], 2);
                g.Op("Add", "sum", ["x", "zeros"]);
                g.Op("Reshape", "out", ["sum", "flat"]);
                break;
            default:
                g.IntConst("axes", [0, 3], 2);
                g.Op("Mean", "out", ["x", "axes"]);
                break;
        }

        var imported = GraphImporter.Import(g.Graph, "x", "out");

        Assert.False(imported.BatchIsDynamic);
        Assert.Equal([1, 2, 2, 1], imported.InputShape);
        using var runner = ModelRunner.Create(imported, new InferenceSettings());
        Assert.Equal(1, runner.MaxBatchSize);
        var output = new float[runner.OutputSizePerItem];
        runner.Run([1, 2, 3, 4], 1, output);
        Assert.Equal([1f, 2f, 3f, 4f], output); // each op only drops or regroups size-1 and batch dimensions
    }

    [Fact]
    public void Import_GraphReadingItsOwnShape_FoldsTheShapeWithTheBatchFixed()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", 1, 2);
        g.Op("Shape", "s", ["x"], Type("out_type", Protos.TensorFlow.DataType.DtInt32));
        g.Op("Cast", "sf", ["s"], Type("DstT", Protos.TensorFlow.DataType.DtFloat));
        g.Op("Mul", "out", ["x", "sf"]);

        var actual = GraphRun.Once(g.Graph, "x", "out", [3f, 5f], out var imported);

        Assert.False(imported.BatchIsDynamic);
        Assert.Equal([3f, 10f], actual); // x * shape(x) = x * [1, 2]
    }

    [Fact]
    public void Import_PlaceholderWithUnknownBatch_IsDynamic()
    {
        var g = new TfGraphBuilder();
        g.Placeholder("x", -1, 3);
        g.Op("Relu", "out", ["x"]);
        var imported = GraphImporter.Import(g.Graph, "x", "out");
        Assert.True(imported.BatchIsDynamic);
        Assert.Equal([-1, 3], imported.OutputShape);
    }
}
