using Retrain.Inference;

namespace Retrain.Training;

/// <summary>
/// The final layer while it trains, as <see cref="Trainer"/> steps through it. One implementation per place the
/// arithmetic runs, chosen once from the device: <see cref="TrainableLayer"/> (retrain's SIMD kernels on the CPU, the
/// default) and <see cref="DeviceTrainableLayer"/> (the ONNX step graph on the run's execution device, for
/// <c>--device cuda</c>).
/// </summary>
internal interface ITrainableLayer : IDisposable
{
    /// <summary>
    /// One step of retrain.py's <c>train_step</c> on the given rows of <paramref name="data"/>: the gradient of the mean
    /// cross-entropy and one gradient descent update at <paramref name="learningRate"/>. Returns the mean cross-entropy
    /// before the update; <paramref name="correct"/> is how many rows the layer predicted right before it.
    /// <paramref name="scratch"/> holds at least rows x classes floats.
    /// </summary>
    double Step(LabeledVectors data, ReadOnlySpan<int> rows, float learningRate, Span<float> scratch, out int correct);

    /// <summary>
    /// Fills <paramref name="probabilities"/> (rows x classes) for the given rows of <paramref name="data"/> and
    /// returns the batch's summed cross-entropy and how many rows the arg-max predicts correctly.
    /// </summary>
    (double CrossEntropySum, int Correct) Forward(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> probabilities);

    /// <summary>False once a step has overflowed a weight or bias (a --learning_rate far too large).</summary>
    bool IsFinite { get; }

    /// <summary>Writes the current values into <paramref name="layer"/> in its [BottleneckSize, ClassCount] layout.</summary>
    void CopyTo(FinalLayer layer);

    /// <summary>
    /// The layer for <paramref name="settings"/>' device, starting from <paramref name="layer"/>'s values. With
    /// <paramref name="spareCore"/> (nothing else runs during training), the SIMD kernels split over a second core.
    /// </summary>
    static ITrainableLayer Create(FinalLayer layer, InferenceSettings settings, bool spareCore) =>
        settings.Device.RunsFinalLayerOnDevice
            ? DeviceTrainableLayer.Create(layer, settings)
            : TrainableLayer.Create(layer, spareCore);
}
