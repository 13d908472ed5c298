using Retrain.Errors;

namespace Retrain.Models;

/// <summary>
/// The models the older retrain.py downloaded by name (its `create_model_info`): `inception_v3`, the 2015 Inception
/// that was its default, and `mobilenet_&lt;1.0|0.75|0.50|0.25&gt;_&lt;224|192|160|128&gt;[_quantized]`. URLs, archive
/// layouts, node names and preprocessing are retrain.py's; names are matched case-insensitively, as it lower-cased them.
/// </summary>
internal static class ModelCatalog
{
    /// <summary>Where retrain.py downloaded from; every archive path is relative to it.</summary>
    public const string OfficialBaseUrl = "http://download.tensorflow.org/models/";

    public const string MobileNetBottleneck = "MobilenetV1/Predictions/Reshape";

    public static IReadOnlyList<string> MobileNetVersions { get; } = ["1.0", "0.75", "0.50", "0.25"];

    public static IReadOnlyList<int> MobileNetSizes { get; } = [224, 192, 160, 128];

    public static CatalogEntry Inception { get; } = new(
        "inception_v3",
        "image/imagenet/inception-2015-12-05.tgz",
        "classify_image_graph_def.pb",
        InputNode: "Mul",
        BottleneckNode: "pool_3/_reshape",
        BottleneckSize: 2048,
        InputSize: 299,
        InputMean: 128f,
        InputStd: 128f,
        // retrain.py and classify_image.py printed "Successfully downloaded inception-2015-12-05.tgz 88931400 bytes."
        // for years; no SHA-256 was ever published, so the first download's hash is recorded instead.
        ArchiveSize: 88_931_400);

    /// <summary>Every name, inception_v3 first, then MobileNets by version and size, float before quantized.</summary>
    public static IReadOnlyList<CatalogEntry> All { get; } = BuildAll();

    public static bool TryFind(string name, out CatalogEntry entry)
    {
        var lower = name.ToLowerInvariant();
        entry = All.FirstOrDefault(e => e.Name == lower)!;
        return entry is not null;
    }

    /// <summary>
    /// The entry whose archive layout a model file's path ends with (".../mobilenet_v1_0.25_224/frozen_graph.pb",
    /// ".../classify_image_graph_def.pb"), so a model unpacked by hand or by retrain.py gets the same node names and
    /// preprocessing as one resolved by name.
    /// </summary>
    public static CatalogEntry? FindByLayout(string modelPath)
    {
        var normalized = Path.GetFullPath(modelPath).Replace('\\', '/');
        return All.FirstOrDefault(e => normalized.EndsWith("/" + e.ModelFile, StringComparison.Ordinal));
    }

    /// <summary>retrain.py's "Couldn't understand architecture name", with the reason and the names that do work.</summary>
    public static RetrainException UnknownName(string name, string flag)
    {
        var examples = string.Join(", ", All.Where(e => !e.Name.EndsWith("_quantized", StringComparison.Ordinal)).Select(e => e.Name));
        return new RetrainException(
            ExitCode.Usage,
            $"Couldn't understand architecture name '{name}' (from {flag}): {Reason(name.ToLowerInvariant())} " +
            $"Valid names: {examples}, and each mobilenet name with the suffix _quantized (e.g. mobilenet_0.25_128_quantized). " +
            $"Or pass {Flags.TfhubModule} PATH to a frozen GraphDef (.pb), an ONNX model, or a folder holding one.");
    }

    private static string Reason(string name)
    {
        if (!name.StartsWith("mobilenet_", StringComparison.Ordinal))
        {
            return "it is neither inception_v3 nor a mobilenet_<version>_<size> name, nor a folder in the model cache.";
        }

        var parts = name.Split('_');
        if (parts.Length is not (3 or 4))
        {
            return "a MobileNet name has the form mobilenet_<version>_<size>[_quantized].";
        }

        if (!MobileNetVersions.Contains(parts[1]))
        {
            return $"the MobileNet version should be 1.0, 0.75, 0.50 or 0.25, but found '{parts[1]}'.";
        }

        if (!MobileNetSizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).Contains(parts[2]))
        {
            return $"the MobileNet input size should be 224, 192, 160 or 128, but found '{parts[2]}'.";
        }

        return $"the only suffix understood is '_quantized', but found '_{parts[3]}'.";
    }

    private static List<CatalogEntry> BuildAll()
    {
        var all = new List<CatalogEntry> { Inception };
        foreach (var version in MobileNetVersions)
        {
            foreach (var size in MobileNetSizes)
            {
                all.Add(MobileNet(version, size, quantized: false));
                all.Add(MobileNet(version, size, quantized: true));
            }
        }

        return all;
    }

    private static CatalogEntry MobileNet(string version, int size, bool quantized)
    {
        // The last retrain.py before TF Hub: quantized models come from their own *_quantized_frozen.tgz, unpack to
        // <stem>_quantized_frozen/quantized_frozen_graph.pb and take the image at `Placeholder` rather than `input`.
        var stem = $"mobilenet_v1_{version}_{size}";
        return quantized
            ? new CatalogEntry(
                $"mobilenet_{version}_{size}_quantized",
                $"{stem}_quantized_frozen.tgz",
                $"{stem}_quantized_frozen/quantized_frozen_graph.pb",
                "Placeholder",
                MobileNetBottleneck,
                1001,
                size,
                127.5f,
                127.5f)
            : new CatalogEntry(
                $"mobilenet_{version}_{size}",
                $"{stem}_frozen.tgz",
                $"{stem}/frozen_graph.pb",
                "input",
                MobileNetBottleneck,
                1001,
                size,
                127.5f,
                127.5f);
    }
}
