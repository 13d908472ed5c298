using Google.Protobuf;
using Retrain.Errors;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>
/// The SavedModel layout TensorFlow Serving loads: a folder with <c>saved_model.pb</c> (a <see cref="SavedModel"/>
/// proto) and a <c>variables/</c> folder. Reading takes the GraphDef of the MetaGraph tagged "serve", so label-image
/// runs the SavedModel folders retrain writes (frozen graphs: nothing to restore from variables/).
/// </summary>
public static class SavedModelFile
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
            // A TF1 Hub module is used through its graph without tags (hub.Module's default), not a "serve" one.
            ?? (File.Exists(Path.Combine(folder, HubModuleFileName)) ? savedModel.MetaGraphs.FirstOrDefault(m => m.MetaInfoDef is null || m.MetaInfoDef.Tags.Count == 0) : null)
            ?? throw new RetrainException(
                ExitCode.BadModel,
                $"SavedModel '{folder}' has no MetaGraph tagged '{ServeTag}' (tags: " +
                $"{string.Join("; ", savedModel.MetaGraphs.Select(m => string.Join(",", m.MetaInfoDef?.Tags ?? [])))}).");
        if (serve.GraphDef is null || serve.GraphDef.Node.Count == 0)
        {
            throw new RetrainException(ExitCode.BadModel, $"The '{ServeTag}' MetaGraph of SavedModel '{folder}' holds no graph.");
        }

        GraphDefFile.CheckNodes(serve.GraphDef, file);
        return (serve.GraphDef, bytes);
    }
}
