using Retrain.Errors;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.SavedModels;

/// <summary>
/// The signature a SavedModel is served by: <c>serving_default</c> (tf.saved_model and Keras) or <c>default</c>
/// (TF1 Hub modules). It names the image input, the output and the image size, for the flags not given.
/// </summary>
internal static class ServingSignature
{
    public static readonly string[] Names = ["serving_default", "default"];

    /// <summary>
    /// <paramref name="given"/> with the input, output and image size the signature states filled in where the flags
    /// left them out. Throws BadModel, listing the signatures there, when neither serving signature exists.
    /// </summary>
    /// <param name="rename">Maps a signature tensor name to the node that holds it in the inlined graph.</param>
    public static ModelOverrides Fill(MetaGraphDef meta, ModelOverrides given, Func<string, string> rename, string folder)
    {
        if (given.InputNode is not null && given.OutputNode is not null)
        {
            return given;
        }

        var name = Names.FirstOrDefault(meta.SignatureDef.ContainsKey)
            ?? throw new RetrainException(
                ExitCode.BadModel,
                $"SavedModel '{folder}' has no signature '{Names[0]}' or '{Names[1]}' to take the input and output from (its signatures: " +
                $"{List(meta.SignatureDef.Keys)}). Pass {Flags.InputLayer} and {Flags.BottleneckOrOutputLayer} with the nodes to use.");
        var signature = meta.SignatureDef[name];
        var input = given.InputNode is not null ? null : Pick(signature.Inputs, ["images", "inputs", "input"], "input", name, folder, Flags.InputLayer);
        var output = given.OutputNode is not null ? null : Pick(signature.Outputs, ["default", "feature_vector", "outputs", "output"], "output", name, folder, Flags.BottleneckOrOutputLayer);
        var shape = input?.TensorShape is { UnknownRank: false } s ? s.Dim.Select(static d => d.Size).ToArray() : null;
        int? Side(int axis) => shape is { Length: 4 } && shape[axis] > 0 && shape[3] == 3 ? (int)shape[axis] : null;
        return given with
        {
            InputNode = given.InputNode ?? rename(input!.Name),
            OutputNode = given.OutputNode ?? rename(output!.Name),
            InputHeight = given.InputHeight ?? (given.InputNode is null ? Side(1) : null),
            InputWidth = given.InputWidth ?? (given.InputNode is null ? Side(2) : null),
        };
    }

    private static TensorInfo Pick(
        Google.Protobuf.Collections.MapField<string, TensorInfo> tensors, string[] preferred, string role, string signature, string folder, string flag)
    {
        if (tensors.Count == 1)
        {
            return tensors.Values.Single();
        }

        foreach (var key in preferred)
        {
            if (tensors.TryGetValue(key, out var info))
            {
                return info;
            }
        }

        throw new RetrainException(
            ExitCode.BadModel,
            $"Signature '{signature}' of SavedModel '{folder}' has {tensors.Count} {role}s ({List(tensors.Keys)}), and none is the usual one. " +
            $"Pass {flag} with the node to use.");
    }

    private static string List(IEnumerable<string> names)
    {
        var sorted = names.Order(StringComparer.Ordinal).ToList();
        return sorted.Count == 0 ? "none" : string.Join(", ", sorted);
    }
}
