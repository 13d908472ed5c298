using Google.Protobuf;
using Retrain.Errors;
using Retrain.Graphs;
using Retrain.IO;
using Retrain.Protos.TensorFlow;
using Retrain.Protos.TensorFlowHub;

namespace Retrain.Models;

/// <summary>
/// A TF1 TensorFlow Hub module: a SavedModel folder with <c>tfhub_module.pb</c> (tensorflow_hub's native format,
/// what retrain.py's <c>hub.load_module_spec</c> loads). Its graph for inference is the MetaGraph without tags, its
/// <c>default</c> signature maps the input <c>images</c> to the feature vector <c>default</c>, and image modules take
/// pixels in [0, 1] (retrain.py's <c>add_jpeg_decoding</c> converts the decoded JPEG with <c>convert_image_dtype</c>),
/// which in retrain's terms is mean 0 and std 255. The image size comes from the module's attached
/// <c>image_module_info</c>, else from the <c>images</c> input's shape (tensorflow_hub's <c>get_expected_image_size</c>).
/// </summary>
internal static class HubModule
{
    public const string FileName = SavedModelFile.HubModuleFileName;

    /// <summary>ModuleDef.FORMAT_V3, the only format tensorflow_hub reads.</summary>
    public const int FormatV3 = 3;

    public const string DefaultSignature = "default";
    public const string ImagesInput = "images";
    public const string DefaultOutput = "default";
    public const string AttachmentsCollection = "hub_module_attachments";
    public const string ImageModuleInfoKey = "image_module_info";

    /// <summary>Pixels in [0, 1]: retrain's (pixel - mean) / std with mean 0 and std 255.</summary>
    public const float InputMean = 0f;

    public const float InputStd = 255f;

    public static bool IsHubModule(string folder) => File.Exists(Path.Combine(folder, FileName));

    /// <summary>
    /// What the module itself says about feeding it: input and bottleneck nodes from its <c>default</c> signature,
    /// image size, and mean 0 / std 255. Flags still win (<see cref="ResolvedModel.Apply"/>).
    /// </summary>
    public static ModelOverrides Defaults(string folder)
    {
        CheckModuleDef(Path.Combine(folder, FileName));
        var savedModel = Path.Combine(folder, SavedModelFile.FileName);
        var graph = InferenceGraph(ReadView(savedModel), savedModel);
        if (!graph.SignatureDef.TryGetValue(DefaultSignature, out var signature))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Hub module '{folder}' has no '{DefaultSignature}' signature (signatures: {Listed(graph.SignatureDef.Keys)}), " +
                $"so retrain.py could not use it as an image feature vector either. Pass {Flags.InputLayer} and {Flags.BottleneckLayer} to choose nodes.");
        }

        var images = signature.Inputs.TryGetValue(ImagesInput, out var named) ? named
            : signature.Inputs.Count == 1 ? signature.Inputs.Values.Single()
            : throw new RetrainException(
                ExitCode.BadModel,
                $"The '{DefaultSignature}' signature of Hub module '{folder}' has no '{ImagesInput}' input (inputs: " +
                $"{Listed(signature.Inputs.Keys)}): it is not an image module. Pass {Flags.InputLayer} with the image input's node.");
        var output = signature.Outputs.TryGetValue(DefaultOutput, out var feature) ? NodeOf(feature) : null;
        var (height, width) = ImageSize(graph, images, savedModel);
        return new ModelOverrides(NodeOf(images), output, height, width, InputMean, InputStd);
    }

    private static void CheckModuleDef(string path)
    {
        var module = Parse(ModuleDef.Parser, path);
        if (module.Format != FormatV3)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"'{path}' says the Hub module has format {module.Format}; only format {FormatV3} (every module tensorflow_hub " +
                "exports) is understood. Export the module again, or pass a frozen graph.");
        }

        if (module.RequiredFeatures.Count > 0)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"'{path}' requires the Hub module features {Listed(module.RequiredFeatures)}, which retrain (like tensorflow_hub " +
                "for this format) does not know. Export the module without them, or pass a frozen graph.");
        }
    }

    private static HubSavedModelView ReadView(string path) => Parse(HubSavedModelView.Parser, path);

    private static T Parse<T>(MessageParser<T> parser, string path)
        where T : IMessage<T>
    {
        var bytes = InputFile.ReadAllBytes(path, GraphDefFile.ModelFileRole);
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RetrainException(ExitCode.BadModel, $"'{path}' is damaged: it does not parse as a Hub module's {typeof(T).Name} ({e.Message}).", e);
        }
    }

    /// <summary>The MetaGraph hub.Module uses by default: the one whose tag set is empty.</summary>
    private static HubMetaGraphView InferenceGraph(HubSavedModelView savedModel, string path) =>
        savedModel.MetaGraphs.FirstOrDefault(m => m.MetaInfoDef is null || m.MetaInfoDef.Tags.Count == 0)
        ?? throw new RetrainException(
            ExitCode.BadModel,
            $"Hub module file '{path}' has no graph without tags, the one a Hub module is used through (tag sets: " +
            $"{Listed(savedModel.MetaGraphs.Select(m => "{" + string.Join(",", m.MetaInfoDef?.Tags ?? []) + "}"))}).");

    private static (int? Height, int? Width) ImageSize(HubMetaGraphView graph, TensorInfo images, string path)
    {
        if (graph.CollectionDef.TryGetValue(AttachmentsCollection, out var collection) && collection.BytesList is { } list)
        {
            foreach (var bytes in list.Value)
            {
                try
                {
                    var attachment = ModuleAttachment.Parser.ParseFrom(bytes);
                    if (attachment.Key == ImageModuleInfoKey && ImageModuleInfo.Parser.ParseFrom(attachment.Value).DefaultImageSize is { Height: > 0, Width: > 0 } size)
                    {
                        return (size.Height, size.Width);
                    }
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new RetrainException(
                        ExitCode.BadModel,
                        $"An attached message in the '{AttachmentsCollection}' collection of '{path}' is damaged ({e.Message}). " +
                        $"Pass {Flags.InputHeight} and {Flags.InputWidth}, or download the module again.",
                        e);
                }
            }
        }

        // [batch, height, width, 3], with -1 where the module takes any size.
        var dims = images.TensorShape?.Dim;
        return dims is { Count: 4 } && dims[1].Size > 0 && dims[2].Size > 0
            ? ((int)dims[1].Size, (int)dims[2].Size)
            : (null, null);
    }

    /// <summary>"module/hub_input/images:0" is output 0 of node "module/hub_input/images".</summary>
    private static string NodeOf(TensorInfo tensor) =>
        tensor.Name.EndsWith(":0", StringComparison.Ordinal) ? tensor.Name[..^2] : tensor.Name;

    private static string Listed(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
