using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Export;

/// <summary>
/// --saved_model_dir: retrain.py's <c>export_model</c>. One MetaGraph tagged "serve" whose graph is the frozen
/// output graph, and a "serving_default" signature (method tensorflow/serving/predict) mapping "image" to the
/// backbone's input tensor and "prediction" to final_result:0. retrain.py saved its eval graph with the variables in
/// <c>variables/</c>; the frozen graph has none, so <c>variables/</c> is empty, which is what TensorFlow's
/// SavedModelBuilder itself writes for a graph without variables (its Saver is created with allow_empty and saves
/// nothing); TensorFlow Serving then logs "The specified SavedModel has no variables; no checkpoints were restored".
/// The folder is assembled beside the target and renamed into place, so a killed run leaves no half-written model
/// (TensorFlow Serving watches for new version folders and would load one).
/// </summary>
internal static class SavedModelWriter
{
    public const string SignatureKey = "serving_default";
    public const string PredictMethod = "tensorflow/serving/predict";
    public const string InputKey = "image";
    public const string OutputKey = "prediction";

    /// <summary>retrain.py (SavedModelBuilder) refuses to export into an existing folder that has files in it.</summary>
    public static void EnsureUsable(string folder)
    {
        bool hasEntries;
        try
        {
            hasEntries = Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot read {Flags.SavedModelDir} '{folder}': {e.Message}", e);
        }

        if (File.Exists(folder))
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"{Flags.SavedModelDir} '{folder}' is a file. A SavedModel is a folder: give the path of a new folder (TensorFlow Serving " +
                "expects one per model version, e.g. models/flowers/2).");
        }

        if (hasEntries)
        {
            throw new RetrainException(
                ExitCode.IoError,
                $"{Flags.SavedModelDir} '{folder}' already exists and is not empty. Choose a new folder (TensorFlow Serving expects one " +
                "folder per model version, e.g. models/flowers/2), or delete the old one.");
        }
    }

    public static SavedModel Build(GraphDef graph, ModelDescription model, string finalTensorName, int classCount)
    {
        var signature = new SignatureDef { MethodName = PredictMethod };
        signature.Inputs[InputKey] = new TensorInfo
        {
            Name = model.InputNode + ":0",
            Dtype = DataType.DtFloat,
            TensorShape = InputShape(graph, model),
        };
        signature.Outputs[OutputKey] = new TensorInfo
        {
            Name = finalTensorName + ":0",
            Dtype = DataType.DtFloat,
            TensorShape = Shape(-1, classCount),
        };
        var metaGraph = new MetaGraphDef
        {
            MetaInfoDef = new MetaGraphDef.Types.MetaInfoDef { Tags = { SavedModelFile.ServeTag } },
            GraphDef = graph,
        };
        metaGraph.SignatureDef[SignatureKey] = signature;
        return new SavedModel { SavedModelSchemaVersion = 1, MetaGraphs = { metaGraph } };
    }

    /// <summary>Stages the SavedModel in <paramref name="outputs"/>: its folder appears when they are committed.</summary>
    public static void Write(OutputTransaction outputs, GraphDef graph, ModelDescription model, string finalTensorName, int classCount, string folder)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        EnsureUsable(folder);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        outputs.WriteFolder(
            target,
            staging =>
            {
                Directory.CreateDirectory(Path.Combine(staging, SavedModelFile.VariablesFolder));
                using var stream = new FileStream(Path.Combine(staging, SavedModelFile.FileName), FileMode.CreateNew, FileAccess.Write);
                Build(graph, model, finalTensorName, classCount).WriteTo(stream);
                stream.Flush(flushToDisk: true);
            },
            e => new RetrainException(
                ExitCode.IoError,
                $"Cannot write the SavedModel to '{target}': {e.Message} Check that the folder is writable and the disk is not full.",
                e));
    }

    private static TensorShapeProto InputShape(GraphDef graph, ModelDescription model)
    {
        var node = graph.Node.FirstOrDefault(n => n.Name == model.InputNode);
        return node is not null && node.Attr.TryGetValue("shape", out var shape) && shape.Shape is { UnknownRank: false, Dim.Count: 4 } declared
            ? declared.Clone()
            : Shape(-1, model.InputHeight, model.InputWidth, 3);
    }

    private static TensorShapeProto Shape(params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dim { Size = d });
        }

        return shape;
    }
}
