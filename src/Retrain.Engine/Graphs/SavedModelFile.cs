using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>
/// The SavedModel layout TensorFlow Serving loads: a folder with <c>saved_model.pb</c> (a <see cref="SavedModel"/>
/// proto) and a <c>variables/</c> folder. Reading takes the GraphDef of the MetaGraph tagged "serve"; a graph with
/// variables or a TF2 function library is then made frozen by <see cref="SavedModels.SavedModelGraph"/>.
/// </summary>
internal static class SavedModelFile
{
    public const string FileName = "saved_model.pb";
    public const string VariablesFolder = "variables";
    public const string ServeTag = "serve";

    /// <summary>The file that makes a SavedModel folder a TF1 Hub module (tensorflow_hub's native format).</summary>
    public const string HubModuleFileName = "tfhub_module.pb";

    /// <summary>True when <paramref name="path"/> is a folder holding saved_model.pb.</summary>
    public static bool IsSavedModel(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, FileName));

    /// <summary>Loads the serve MetaGraph's GraphDef; also returns the file's bytes (to fingerprint the model).</summary>
    public static (GraphDef Graph, byte[] Bytes) LoadServeGraph(string folder)
    {
        var (meta, bytes) = LoadMetaGraph(folder);
        return (meta.GraphDef, bytes);
    }

    /// <summary>
    /// Loads the MetaGraph tagged "serve", or for a TF1 Hub module (which tags its inference graph with no tag at all,
    /// the set hub.Module loads by default) the untagged one; also returns the file's bytes.
    /// </summary>
    public static (MetaGraphDef MetaGraph, byte[] Bytes) LoadMetaGraph(string folder)
    {
        var file = Path.Combine(folder, FileName);
        var bytes = InputFile.ReadAllBytes(file, GraphDefFile.ModelFileRole);

        SavedModel savedModel;
        try
        {
            savedModel = SavedModel.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RetrainException(ExitCode.BadModel, $"'{file}' is not a SavedModel protobuf ({e.Message}).", e);
        }

        var serve = savedModel.MetaGraphs.FirstOrDefault(m => m.MetaInfoDef?.Tags.Contains(ServeTag) == true)
            ?? savedModel.MetaGraphs.FirstOrDefault(m => m.MetaInfoDef is null || m.MetaInfoDef.Tags.Count == 0)
            ?? throw new RetrainException(
                ExitCode.BadModel,
                $"SavedModel '{folder}' has no MetaGraph tagged '{ServeTag}' (nor an untagged one, as TF1 Hub modules have); its " +
                $"MetaGraphs are tagged: {string.Join("; ", savedModel.MetaGraphs.Select(m => "{" + string.Join(",", m.MetaInfoDef?.Tags ?? []) + "}"))}. " +
                $"Re-export it with tf.saved_model.save (which tags '{ServeTag}'), or give a frozen graph (.pb).");
        if (serve.GraphDef is null || serve.GraphDef.Node.Count == 0)
        {
            throw new RetrainException(ExitCode.BadModel, $"The '{ServeTag}' MetaGraph of SavedModel '{folder}' holds no graph.");
        }

        GraphDefFile.CheckNodes(serve.GraphDef, file);
        return (serve, bytes);
    }
}
