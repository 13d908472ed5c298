using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class FinalLayerTests
{
    [Fact]
    public void Constructor_InitialisesLikeAddFinalRetrainOps()
    {
        var layer = new FinalLayer(2048, 5, new Random(1));

        Assert.Equal(2048, layer.BottleneckSize);
        Assert.Equal(5, layer.ClassCount);
        Assert.Equal(2048 * 5, layer.Weights.Length);
        Assert.Equal(new float[5], layer.Biases);
        Assert.All(layer.Weights, w => Assert.InRange(w, -0.002f, 0.002f));
        Assert.True(layer.Weights.Distinct().Count() > 10_000 - 100);
        Assert.Equal(layer.Weights, new FinalLayer(2048, 5, new Random(1)).Weights);
    }

    [Fact]
    public void Predict_IsSoftmaxOfXTimesWPlusB_InMatMulLayout()
    {
        const int Length = 7;
        const int Classes = 3;
        var rng = new Random(2);
        var weights = Enumerable.Range(0, Length * Classes).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] biases = [0.1f, -0.2f, 0.3f];
        var layer = new FinalLayer(Length, Classes, weights, biases);
        var inputs = Enumerable.Range(0, 4 * Length).Select(_ => (float)((rng.NextDouble() * 4) - 2)).ToArray();
        var probabilities = new float[4 * Classes];

        layer.Predict(inputs, 4, probabilities);

        for (var i = 0; i < 4; i++)
        {
            var logits = new double[Classes];
            for (var c = 0; c < Classes; c++)
            {
                logits[c] = biases[c];
                for (var k = 0; k < Length; k++)
                {
                    logits[c] += inputs[(i * Length) + k] * weights[(k * Classes) + c];
                }
            }

            var total = logits.Sum(Math.Exp);
            for (var c = 0; c < Classes; c++)
            {
                Assert.Equal(Math.Exp(logits[c]) / total, probabilities[(i * Classes) + c], 6);
            }

            Assert.Equal(1.0, probabilities.Skip(i * Classes).Take(Classes).Sum(p => (double)p), 6);
        }
    }

    [Fact]
    public void Predict_WrongInputLength_Throws()
    {
        var layer = new FinalLayer(4, 2, new Random(1));

        Assert.Throws<ArgumentException>(() => layer.Predict(new float[7], 2, new float[4]));
        Assert.Throws<ArgumentException>(() => layer.Predict(new float[8], 2, new float[3]));
    }
}
