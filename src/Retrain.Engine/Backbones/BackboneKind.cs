namespace Retrain.Backbones;

/// <summary>The kinds of backbone retrain can train on; as flags, so an output can name every kind that writes it.</summary>
[Flags]
internal enum BackboneKind
{
    None = 0,

    /// <summary>A frozen TensorFlow GraphDef (.pb) or a SavedModel's serving graph.</summary>
    FrozenGraph = 1,

    /// <summary>An ONNX model, run as it is.</summary>
    Onnx = 2,

    All = FrozenGraph | Onnx,
}
