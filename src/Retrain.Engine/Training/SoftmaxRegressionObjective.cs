using System.Numerics.Tensors;

namespace Retrain.Training;

/// <summary>
/// Multinomial logistic regression on a whole training part, as <see cref="LbfgsMinimizer"/> sees it: the parameters
/// are the layer's class-major weights followed by its biases, the value is the mean (class-weighted, smoothed) softmax
/// cross-entropy plus λ/2·‖W‖² (the biases are not penalised, as with the step optimizers). Every evaluation runs
/// <see cref="TrainableLayer"/>'s SIMD kernels over every row, on both cores, and leaves the layer holding the point.
/// </summary>
internal sealed class SoftmaxRegressionObjective : IDifferentiableObjective
{
    private readonly TrainableLayer _layer;
    private readonly LabeledVectors _data;
    private readonly int[] _rows;
    private readonly float[] _scratch;
    private float _l2;

    public SoftmaxRegressionObjective(TrainableLayer layer, LabeledVectors data, float l2Regularization)
        : this(layer, data, Enumerable.Range(0, data?.Count ?? 0).ToArray(), l2Regularization)
    {
    }

    /// <summary>The regression on the given <paramref name="rows"/> of <paramref name="data"/> only (a fold's training rows).</summary>
    public SoftmaxRegressionObjective(TrainableLayer layer, LabeledVectors data, int[] rows, float l2Regularization)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        _layer = layer;
        _data = data;
        L2Regularization = l2Regularization;
        _rows = rows;
        _scratch = new float[checked(rows.Length * layer.ClassCount)];
    }

    /// <summary>
    /// Gets or sets λ. Settable so a regularisation path walks every strength on one objective, with one scratch
    /// buffer of rows x classes, rather than a new one per strength.
    /// </summary>
    public float L2Regularization
    {
        get => _l2;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _l2 = value;
        }
    }

    public int Dimension => _layer.WeightsByClass.Length + _layer.Biases.Length;

    /// <summary>The plain mean cross-entropy on the data at the last point evaluated.</summary>
    public double CrossEntropy { get; private set; }

    /// <summary>The share of rows the last point evaluated classifies right.</summary>
    public double Accuracy { get; private set; }

    /// <summary>The layer's current values packed as a parameter vector.</summary>
    public float[] Pack()
    {
        var x = new float[Dimension];
        _layer.WeightsByClass.CopyTo(x, 0);
        _layer.Biases.CopyTo(x, _layer.WeightsByClass.Length);
        return x;
    }

    /// <summary>Puts the parameter vector <paramref name="x"/> into the layer.</summary>
    public void Load(ReadOnlySpan<float> x)
    {
        var weights = _layer.WeightsByClass.Length;
        x[..weights].CopyTo(_layer.WeightsByClass);
        x[weights..].CopyTo(_layer.Biases);
    }

    public double Evaluate(ReadOnlySpan<float> x, Span<float> gradient)
    {
        Load(x);
        CrossEntropy = _layer.ComputeGradient(_data, _rows, _scratch, out var correct, out var loss);
        Accuracy = (double)correct / _rows.Length;
        var weights = _layer.WeightsByClass.Length;
        var weightGradient = gradient[..weights];
        _layer.GradientWeightsByClass.CopyTo(weightGradient);
        _layer.GradientBiases.CopyTo(gradient[weights..]);
        if (_l2 > 0)
        {
            TensorPrimitives.MultiplyAdd(_layer.WeightsByClass, _l2, weightGradient, weightGradient);
            loss += _l2 / 2.0 * TensorPrimitives.SumOfSquares<float>(_layer.WeightsByClass);
        }

        return loss;
    }
}
