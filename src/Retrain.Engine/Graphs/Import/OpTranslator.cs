using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.Import;

/// <summary>Translates one TF node whose inputs are already translated; returns its output 0.</summary>
internal delegate TfValue OpTranslator(ImportContext ctx, NodeDef node, IReadOnlyList<TfValue> inputs);
