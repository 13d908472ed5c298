namespace Retrain.Inference;

/// <summary>
/// An ONNX model opened by <see cref="OnnxBatchRelaxation"/>: its runner, the model bytes the runner runs (the
/// original, or the one with a symbolic batch), and how a fixed batch of 1 is run (null when the model had none).
/// </summary>
internal sealed record RelaxedModel(ModelRunner Runner, byte[] Model, string? BatchNote);
