using System.Numerics.Tensors;

namespace Retrain.Training;

/// <summary>
/// The final layer while it trains: weights class-major (see <see cref="LinearKernels"/>), with the loss, gradient and
/// update of retrain.py's <c>add_final_retrain_ops</c> (mean sparse softmax cross-entropy, plain gradient descent).
/// It owns its scratch buffers so a training step allocates nothing. The CPU's <see cref="ITrainableLayer"/>.
/// </summary>
internal sealed class TrainableLayer : ITrainableLayer
{
    private readonly float[] _gradientWeights;
    private readonly float[] _gradientBiases;
    private readonly SplitKernels _kernels;
    private readonly PartnerThread? _ownedPartner;
    private float _l2Regularization;
    private float _labelSmoothing;
    private float[]? _classWeights;
    private float[] _rowLosses = [];

    /// <summary>With <paramref name="partner"/>, the kernels run on two cores (same results; see <see cref="SplitKernels"/>).</summary>
    public TrainableLayer(FinalLayer layer, PartnerThread? partner = null)
    {
        _kernels = new SplitKernels(partner);
        VectorLength = layer.BottleneckSize;
        ClassCount = layer.ClassCount;
        WeightsByClass = new float[layer.Weights.Length];
        Biases = new float[ClassCount];
        CopyFrom(layer);
        _gradientWeights = new float[WeightsByClass.Length];
        _gradientBiases = new float[ClassCount];
    }

    private TrainableLayer(FinalLayer layer, PartnerThread partner, bool ownsPartner)
        : this(layer, partner) => _ownedPartner = ownsPartner ? partner : null;

    public int VectorLength { get; }

    public int ClassCount { get; }

    /// <summary>[ClassCount, VectorLength] row-major.</summary>
    public float[] WeightsByClass { get; }

    public float[] Biases { get; }

    /// <summary>
    /// The strength λ of an L2 penalty λ/2·‖W‖² on the weights (not the biases), added to the loss each step; 0 (the
    /// default, retrain.py's) adds nothing and leaves the update bit for bit as retrain.py's.
    /// </summary>
    public float L2Regularization
    {
        get => _l2Regularization;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _l2Regularization = value;
        }
    }

    /// <summary>
    /// The share ε of each target spread over all classes: the gradient aims at (1-ε)·onehot + ε/C instead of the
    /// onehot. 0 (the default, retrain.py's) keeps the targets exactly 1 and 0. The reported cross-entropy stays the
    /// plain one against the true class, so it compares across settings.
    /// </summary>
    public float LabelSmoothing
    {
        get => _labelSmoothing;
        set
        {
            if (!(value is >= 0 and < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Label smoothing must be at least 0 and below 1.");
            }

            _labelSmoothing = value;
        }
    }

    /// <summary>
    /// <c>--class_weights</c>: a weight per class multiplying each row's loss (and so its gradient); null (the default,
    /// retrain.py's) weighs every row alike and leaves every step bit for bit as before.
    /// </summary>
    public float[]? ClassWeights
    {
        get => _classWeights;
        set
        {
            if (value is not null && (value.Length != ClassCount || !value.All(w => float.IsFinite(w) && w >= 0)))
            {
                throw new ArgumentException($"Class weights need {ClassCount} finite values of at least 0.", nameof(value));
            }

            _classWeights = value;
        }
    }

    /// <summary>
    /// Whether the products run <see cref="PanelKernels"/> and the softmax SIMD <c>exp</c>: faster on whole-part
    /// batches, equal to the default kernels but for the last bits. Off by default, so the step heads keep their bits;
    /// lbfgs turns it on.
    /// </summary>
    public bool UsePanelKernels
    {
        get => _kernels.UsePanels;
        set => _kernels.UsePanels = value;
    }

    /// <summary>
    /// <c>--optimizer</c>'s update rule; retrain.py's plain gradient descent unless set. Setting it starts the new
    /// rule's state afresh.
    /// </summary>
    public Optimizer Optimizer { get; set; } = new SgdOptimizer();

    public ReadOnlySpan<float> GradientWeightsByClass => _gradientWeights;

    public ReadOnlySpan<float> GradientBiases => _gradientBiases;

    /// <summary>
    /// A layer that owns the partner thread its kernels split over when <paramref name="spareCore"/> says a second core
    /// is free for them (see <see cref="Trainer"/>); without one they stay on the calling thread.
    /// </summary>
    public static TrainableLayer Create(FinalLayer layer, bool spareCore)
    {
        var partner = spareCore ? PartnerThread.CreateIfUseful() : null;
        if (partner is null)
        {
            return new TrainableLayer(layer);
        }

        try
        {
            return new TrainableLayer(layer, partner, ownsPartner: true);
        }
        catch
        {
            partner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="probabilities"/> (rows x ClassCount) for the given rows of <paramref name="data"/> and
    /// returns the batch's summed cross-entropy and how many rows the arg-max predicts correctly.
    /// </summary>
    public (double CrossEntropySum, int Correct) Forward(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> probabilities) =>
        Forward(data, rows, probabilities, default);

    /// <summary>
    /// As above; when <paramref name="rowLosses"/> is not empty it receives each row's cross-entropy against the
    /// smoothed targets, (1-ε)·(lse - z_y) + ε·(lse - mean z), computed from the logits so it never takes log(0).
    /// </summary>
    private (double CrossEntropySum, int Correct) Forward(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> probabilities, Span<float> rowLosses)
    {
        _kernels.Logits(data.AllVectors, VectorLength, rows, WeightsByClass, Biases, probabilities[..(rows.Length * ClassCount)]);
        var crossEntropySum = 0.0;
        var correct = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var label = data.Labels[rows[i]];
            var p = probabilities.Slice(i * ClassCount, ClassCount);
            var trueLogit = p[label];
            var meanLogit = rowLosses.IsEmpty || _labelSmoothing == 0 ? 0f : TensorPrimitives.Sum<float>(p) / ClassCount;
            var logSumExp = UsePanelKernels ? SoftmaxKernel.SoftmaxInPlaceVectorized(p) : SoftmaxKernel.SoftmaxInPlace(p);
            crossEntropySum += logSumExp - trueLogit;
            if (!rowLosses.IsEmpty)
            {
                rowLosses[i] = ((1f - _labelSmoothing) * (logSumExp - trueLogit)) + (_labelSmoothing * (logSumExp - meanLogit));
            }

            if (SoftmaxKernel.ArgMax(p) == label)
            {
                correct++;
            }
        }

        return (crossEntropySum, correct);
    }

    /// <summary>
    /// The gradient of the mean cross-entropy over <paramref name="rows"/>, left in <see cref="GradientWeightsByClass"/>
    /// and <see cref="GradientBiases"/>: dW = X^T (P - Y) / B, db = mean(P - Y). Returns the mean cross-entropy.
    /// <paramref name="scratch"/> (at least rows x ClassCount) ends up holding (P - Y) / B.
    /// </summary>
    public double ComputeGradient(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> scratch) =>
        ComputeGradient(data, rows, scratch, out _);

    /// <summary>As above; <paramref name="correct"/> is how many rows the layer predicted right before the update.</summary>
    public double ComputeGradient(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> scratch, out int correct) =>
        ComputeGradient(data, rows, scratch, out correct, out _);

    /// <summary>
    /// As above; <paramref name="loss"/> is the mean loss the gradient is the gradient of: the cross-entropy against the
    /// smoothed targets, each row weighted by its class weight (without the L2 penalty). With neither set it is the plain
    /// mean cross-entropy returned. A line search needs it: the plain figure does not fall along a smoothed gradient.
    /// </summary>
    public double ComputeGradient(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> scratch, out int correct, out double loss)
    {
        var exactLoss = _labelSmoothing > 0 || _classWeights is not null;
        if (exactLoss && _rowLosses.Length < rows.Length)
        {
            _rowLosses = new float[rows.Length];
        }

        var rowLosses = exactLoss ? _rowLosses.AsSpan(0, rows.Length) : default;
        (var crossEntropySum, correct) = Forward(data, rows, scratch, rowLosses);
        Array.Clear(_gradientBiases);
        var scale = 1f / rows.Length;
        // With no smoothing these are exactly 1 and 0, so retrain.py's gradient is unchanged bit for bit.
        var offTarget = _labelSmoothing / ClassCount;
        var onTarget = 1f - _labelSmoothing + offTarget;
        var lossSum = 0.0;
        for (var i = 0; i < rows.Length; i++)
        {
            var label = data.Labels[rows[i]];
            var error = scratch.Slice(i * ClassCount, ClassCount);
            // Without class weights the row's scale is the batch's, so the gradient stays retrain.py's bit for bit.
            var rowScale = _classWeights is null ? scale : scale * _classWeights[label];
            if (exactLoss)
            {
                lossSum += (double)rowLosses[i] * (_classWeights is null ? 1f : _classWeights[label]);
            }

            for (var c = 0; c < ClassCount; c++)
            {
                error[c] = (error[c] - (c == label ? onTarget : offTarget)) * rowScale;
                _gradientBiases[c] += error[c];
            }
        }

        _kernels.WeightGradient(data.AllVectors, VectorLength, rows, scratch, ClassCount, _gradientWeights);
        loss = exactLoss ? lossSum / rows.Length : crossEntropySum / rows.Length;
        return crossEntropySum / rows.Length;
    }

    public double Step(LabeledVectors data, ReadOnlySpan<int> rows, float learningRate, Span<float> scratch, out int correct)
    {
        var crossEntropy = ComputeGradient(data, rows, scratch, out correct);
        Descend(learningRate);
        return crossEntropy;
    }

    /// <summary>One update by <see cref="Optimizer"/> with the gradient last computed.</summary>
    public void Descend(float learningRate)
    {
        if (_l2Regularization > 0)
        {
            // The penalty's gradient λ·W, folded in before the update so it is one more term of the same step.
            TensorPrimitives.MultiplyAdd(WeightsByClass, _l2Regularization, _gradientWeights, _gradientWeights);
        }

        Optimizer.Update(WeightsByClass, _gradientWeights, Biases, _gradientBiases, learningRate);
    }

    /// <summary>
    /// False once a step has overflowed a weight (a --learning_rate far too large). A sum is finite only when every term
    /// is, and is one vectorised pass: cheap enough to check after every step.
    /// </summary>
    public bool IsFinite => float.IsFinite(TensorPrimitives.Sum(WeightsByClass)) && float.IsFinite(TensorPrimitives.Sum(Biases));

    /// <summary>Writes the current values into <paramref name="layer"/> in its [BottleneckSize, ClassCount] layout.</summary>
    public void CopyTo(FinalLayer layer)
    {
        SoftmaxKernel.Transpose(WeightsByClass, ClassCount, VectorLength, layer.Weights);
        Biases.CopyTo(layer.Biases, 0);
    }

    /// <summary>Takes <paramref name="layer"/>'s values (in its [BottleneckSize, ClassCount] layout).</summary>
    public void CopyFrom(FinalLayer layer)
    {
        SoftmaxKernel.Transpose(layer.Weights, VectorLength, ClassCount, WeightsByClass);
        layer.Biases.CopyTo(Biases, 0);
    }

    public void Dispose() => _ownedPartner?.Dispose();
}
