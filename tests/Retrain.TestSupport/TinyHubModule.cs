using System.Formats.Tar;
using System.IO.Compression;
using Google.Protobuf;
using Retrain.Protos.TensorFlow;
using Retrain.Protos.TensorFlowHub;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// TF1 Hub modules built in code, laid out as tensorflow_hub exports them: <c>tfhub_module.pb</c> (ModuleDef, format 3)
/// beside a SavedModel whose graph without tags carries a <c>default</c> signature from <c>images</c> to
/// <c>default</c>, and an <c>image_module_info</c> attachment. The graph is <see cref="TinyBackbone"/> (input in [0, 1]),
/// so a module loads and trains in a second. A <c>train</c>-tagged graph comes first with other names, as in modules
/// exported with a training variant, so using it instead of the tag-less one shows.
/// </summary>
public static class TinyHubModule
{
    public const string TrainSignatureInput = "train_input";

    /// <summary>The module's files, by path relative to its folder.</summary>
    public static IReadOnlyList<(string Name, byte[] Content)> Files(
        int format = 3,
        string signature = "default",
        long[]? imagesShape = null,
        bool imageModuleInfo = true,
        string[]? requiredFeatures = null)
    {
        var moduleDef = new ModuleDef { Format = format };
        moduleDef.RequiredFeatures.Add(requiredFeatures ?? []);
        var savedModel = new SavedModel { SavedModelSchemaVersion = 1 };
        savedModel.MetaGraphs.Add(MetaGraph(["train"], "default", TrainSignatureInput, [-1, TinyBackbone.Size, TinyBackbone.Size, 3], null));
        savedModel.MetaGraphs.Add(MetaGraph([], signature, TinyBackbone.InputNode, imagesShape ?? [-1, TinyBackbone.Size, TinyBackbone.Size, 3], imageModuleInfo ? (TinyBackbone.Size, TinyBackbone.Size) : null));
        return
        [
            ("tfhub_module.pb", moduleDef.ToByteArray()),
            ("saved_model.pb", savedModel.ToByteArray()),
        ];
    }

    /// <summary>Writes the module into <paramref name="folder"/> (with an empty variables/ folder); returns the folder.</summary>
    public static string Write(string folder, IReadOnlyList<(string Name, byte[] Content)>? files = null)
    {
        Directory.CreateDirectory(Path.Combine(folder, "variables"));
        foreach (var (name, content) in files ?? Files())
        {
            File.WriteAllBytes(Path.Combine(folder, name), content);
        }

        return folder;
    }

    /// <summary>The module as tfhub.dev serves it with ?tf-hub-format=compressed: `tar -cz -C module .`.</summary>
    public static byte[] Archive(IReadOnlyList<(string Name, byte[] Content)>? files = null)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./"));
            foreach (var (name, content) in files ?? Files())
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./" + name) { DataStream = new MemoryStream(content) });
            }

            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./variables/"));
        }

        return memory.ToArray();
    }

    private static MetaGraphDef MetaGraph(string[] tags, string signatureName, string input, long[] imagesShape, (int Height, int Width)? imageInfo)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(imagesShape.Select(d => new TensorShapeProto.Types.Dim { Size = d }));
        var signature = new SignatureDef();
        signature.Inputs.Add("images", new TensorInfo { Name = input + ":0", Dtype = DataType.DtFloat, TensorShape = shape });
        signature.Outputs.Add("default", new TensorInfo { Name = TinyBackbone.BottleneckNode + ":0", Dtype = DataType.DtFloat });
        var meta = new MetaGraphDef { MetaInfoDef = new MetaGraphDef.Types.MetaInfoDef(), GraphDef = TinyBackbone.Graph() };
        meta.MetaInfoDef.Tags.Add(tags);
        meta.SignatureDef.Add(signatureName, signature);
        if (imageInfo is not { } size)
        {
            return meta;
        }

        // retrain's MetaGraphDef leaves collections out: serialized messages of one type merge when concatenated, so
        // the collection is appended as the view's field 4, and survives re-serialization as an unknown field.
        var info = new ImageModuleInfo { DefaultImageSize = new ImageModuleInfo.Types.InputSize { Height = size.Height, Width = size.Width } };
        var attachment = new ModuleAttachment { Key = "image_module_info", Value = info.ToByteString() };
        var collection = new Retrain.Protos.TensorFlowHub.CollectionDef { BytesList = new() };
        collection.BytesList.Value.Add(attachment.ToByteString());
        var view = new HubMetaGraphView();
        view.CollectionDef.Add("hub_module_attachments", collection);
        return MetaGraphDef.Parser.ParseFrom([.. meta.ToByteArray(), .. view.ToByteArray()]);
    }
}
