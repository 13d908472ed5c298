using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class TrainableLayerTests
{
    private const int Length = 6;
    private const int Classes = 3;

    [Fact]
    public void ComputeGradient_MatchesFiniteDifferencesOfTheMeanCrossEntropy()
    {
        var data = SyntheticVectors.Random(Length, [0, 2, 1, 2, 0], seed: 3);
        int[] rows = [0, 1, 3, 3, 4, 2]; // a repeated row counts twice, as in a sampled batch
        var layer = RandomLayer(seed: 4);
        var trainable = new TrainableLayer(layer);

        var loss = trainable.ComputeGradient(data, rows, new float[rows.Length * Classes]);

        var weights = layer.Weights.Select(v => (double)v).ToArray();
        var biases = layer.Biases.Select(v => (double)v).ToArray();
        Assert.Equal(ReferenceLoss(data, rows, weights, biases), loss, 6);
        const double H = 1e-5;
        for (var k = 0; k < Length; k++)
        {
            for (var c = 0; c < Classes; c++)
            {
                var numeric = CentralDifference(weights, (k * Classes) + c, H, () => ReferenceLoss(data, rows, weights, biases));
                Assert.Equal(numeric, trainable.GradientWeightsByClass[(c * Length) + k], 5);
            }
        }

        for (var c = 0; c < Classes; c++)
        {
            var numeric = CentralDifference(biases, c, H, () => ReferenceLoss(data, rows, weights, biases));
            Assert.Equal(numeric, trainable.GradientBiases[c], 5);
        }
    }

    [Fact]
    public void Descend_StepsAgainstTheGradient()
    {
        var data = SyntheticVectors.Random(Length, [0, 1, 2], seed: 5);
        var layer = RandomLayer(seed: 6);
        var trainable = new TrainableLayer(layer);
        int[] rows = [0, 1, 2];
        var before = trainable.ComputeGradient(data, rows, new float[9]);
        var weights = (float[])trainable.WeightsByClass.Clone();
        var gradient = trainable.GradientWeightsByClass.ToArray();

        trainable.Descend(0.5f);

        for (var i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i] - (0.5f * gradient[i]), trainable.WeightsByClass[i], 6);
        }

        Assert.True(trainable.ComputeGradient(data, rows, new float[9]) < before);
    }

    [Fact]
    public void Descend_WithL2Regularization_AddsTheWeightPenaltysGradientButLeavesBiases()
    {
        var data = SyntheticVectors.Random(Length, [0, 1, 2], seed: 7);
        var layer = RandomLayer(seed: 8);
        var trainable = new TrainableLayer(layer) { L2Regularization = 0.25f };
        int[] rows = [0, 1, 2];
        trainable.ComputeGradient(data, rows, new float[9]);
        var weights = (float[])trainable.WeightsByClass.Clone();
        var biases = (float[])trainable.Biases.Clone();
        var gradient = trainable.GradientWeightsByClass.ToArray();
        var biasGradient = trainable.GradientBiases.ToArray();

        trainable.Descend(0.5f);

        for (var i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i] - (0.5f * (gradient[i] + (0.25f * weights[i]))), trainable.WeightsByClass[i], 6);
        }

        for (var c = 0; c < Classes; c++)
        {
            Assert.Equal(biases[c] - (0.5f * biasGradient[c]), trainable.Biases[c], 6);
        }
    }

    [Fact]
    public void ComputeGradient_WithLabelSmoothing_AimsAtTheSmoothedTargets()
    {
        var data = SyntheticVectors.Random(Length, [0, 0, 1], seed: 10);
        int[] rows = [0, 1, 2];
        var plain = new TrainableLayer(RandomLayer(seed: 11));
        var smoothed = new TrainableLayer(RandomLayer(seed: 11)) { LabelSmoothing = 0.3f };

        var plainLoss = plain.ComputeGradient(data, rows, new float[9]);
        var smoothedLoss = smoothed.ComputeGradient(data, rows, new float[9]);

        // db = mean(P - Y): smoothing moves each class's target from onehot to (1-ε)·onehot + ε/C.
        float[] share = [2f / 3, 1f / 3, 0f];
        for (var c = 0; c < Classes; c++)
        {
            var expected = plain.GradientBiases[c] + (0.3f * (share[c] - (1f / Classes)));
            Assert.Equal(expected, smoothed.GradientBiases[c], 6);
        }

        Assert.Equal(plainLoss, smoothedLoss);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void LabelSmoothing_RefusesValuesOutsideZeroToBelowOne(float value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainableLayer(RandomLayer(seed: 12)) { LabelSmoothing = value });

    [Fact]
    public void L2Regularization_RefusesANegativeStrength() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainableLayer(RandomLayer(seed: 9)) { L2Regularization = -1f });

    [Fact]
    public void CopyTo_WritesBackInTheMatMulLayout()
    {
        var layer = RandomLayer(seed: 7);
        var original = (float[])layer.Weights.Clone();
        var trainable = new TrainableLayer(layer);
        Array.Clear(layer.Weights);

        trainable.CopyTo(layer);

        Assert.Equal(original, layer.Weights);
        Assert.Equal(layer.Weights[(4 * Classes) + 2], trainable.WeightsByClass[(2 * Length) + 4]);
    }

    [Fact]
    public void Forward_GivesTheSameBitsAsPredict()
    {
        var data = SyntheticVectors.Random(Length, [0, 1, 2, 1, 0, 2, 2], seed: 8);
        var layer = RandomLayer(seed: 9);
        var fromForward = new float[data.Count * Classes];
        var fromPredict = new float[data.Count * Classes];

        new TrainableLayer(layer).Forward(data, Enumerable.Range(0, data.Count).ToArray(), fromForward);
        layer.Predict(data.AllVectors, data.Count, fromPredict);

        Assert.Equal(fromPredict, fromForward);
    }

    private static FinalLayer RandomLayer(int seed)
    {
        var rng = new Random(seed);
        var weights = Enumerable.Range(0, Length * Classes).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var biases = Enumerable.Range(0, Classes).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return new FinalLayer(Length, Classes, weights, biases);
    }

    private static double CentralDifference(double[] values, int index, double h, Func<double> loss)
    {
        var saved = values[index];
        values[index] = saved + h;
        var up = loss();
        values[index] = saved - h;
        var down = loss();
        values[index] = saved;
        return (up - down) / (2 * h);
    }

    // Mean sparse softmax cross-entropy in double, weights in TF's [Length, Classes] layout.
    private static double ReferenceLoss(LabeledVectors data, int[] rows, double[] weights, double[] biases)
    {
        var total = 0.0;
        foreach (var row in rows)
        {
            var x = data.Vector(row);
            var logits = new double[Classes];
            for (var c = 0; c < Classes; c++)
            {
                logits[c] = biases[c];
                for (var k = 0; k < Length; k++)
                {
                    logits[c] += x[k] * weights[(k * Classes) + c];
                }
            }

            var max = logits.Max();
            var logSumExp = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            total += logSumExp - logits[data.Labels[row]];
        }

        return total / rows.Length;
    }
}
