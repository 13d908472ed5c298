using System.Globalization;
using System.Text.Json;
using Retrain.Errors;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs;

/// <summary>
/// Works out a <see cref="ModelDescription"/> from the graph itself, so the MobileNet and Inception graphs users have
/// (and every graph retrain writes) need no extra flags. Explicit flags always win over what is recognised.
/// </summary>
internal static class ModelRecognizer
{
    /// <summary>Name of the string Const retrain adds to output_graph.pb to record the preprocessing it trained with.</summary>
    public const string ModelInfoNode = "retrain/model_info";

    private const string MobileNetLogits = "MobilenetV1/Predictions/Reshape";
    private const string InceptionPool = "pool_3/_reshape";

    /// <summary>Describes a backbone for bottleneck extraction (retrain.py's `create_model_info`).</summary>
    public static ModelDescription ForBottleneck(GraphDef graph, string path, ModelOverrides overrides)
    {
        var names = graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var known = RecogniseBackbone(graph, names, path, overrides);
        var output = overrides.OutputNode ?? known?.Output
            ?? throw new RetrainException(
                ExitCode.BadModel,
                $"Cannot tell which node of '{path}' is the bottleneck: the graph is not a recognised MobileNet v1 or " +
                $"Inception-v3. Pass {Flags.BottleneckLayer} NODE (and {Flags.InputLayer}, {Flags.InputHeight}, {Flags.InputWidth}, " +
                $"{Flags.InputMean}, {Flags.InputStd} if they differ from the defaults).");
        return Complete(graph, path, known, output, Flags.BottleneckLayer, overrides);
    }

    /// <summary>Describes a classifier for label-image: output `final_result` unless told otherwise.</summary>
    public static ModelDescription ForClassification(GraphDef graph, string path, ModelOverrides overrides, string defaultOutput)
    {
        var names = graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var known = RecogniseBackbone(graph, names, path, overrides);
        var output = overrides.OutputNode
            ?? (names.Contains(defaultOutput) ? defaultOutput : null)
            ?? (names.Contains("MobilenetV1/Predictions/Reshape_1") ? "MobilenetV1/Predictions/Reshape_1" : null)
            ?? throw new RetrainException(
                ExitCode.BadModel,
                $"Graph '{path}' has no node '{defaultOutput}'. Pass {Flags.OutputLayer} NODE with the name of its softmax output.");
        return Complete(graph, path, known, output, Flags.OutputLayer, overrides);
    }

    /// <summary>
    /// Where retrain.py's own graphs took the resized image: TF Hub's retrain.py fed a <c>Placeholder</c>, the older one
    /// Inception-v3's <c>Mul</c>. label_image.py recipes name them with --input_layer.
    /// </summary>
    private static readonly HashSet<string> RetrainPyInputNames = new(["Placeholder", "Mul"], StringComparer.Ordinal);

    /// <param name="Recorded">Read from <see cref="ModelInfoNode"/>: the graph is one retrain wrote.</param>
    private sealed record Known(string Architecture, string Input, string Output, int? Height, int? Width, float Mean, float Std, bool Recorded = false);

    private static Known? RecogniseBackbone(GraphDef graph, HashSet<string> names, string path, ModelOverrides overrides)
    {
        var info = ReadModelInfo(graph, path, overrides);
        if (names.Contains(MobileNetLogits))
        {
            // slim MobileNet v1 expects inputs in [-1, 1] (retrain.py: input_mean = input_std = 127.5).
            return info ?? new Known("mobilenet_v1", "input", MobileNetLogits, null, null, 127.5f, 127.5f);
        }

        if (names.Contains(InceptionPool))
        {
            // The 2015 classify_image_graph_def.pb starts with DecodeJpeg and takes the resized image at `Mul`
            // (retrain.py: resized_input_tensor_name 'Mul:0', 299x299, mean = std = 128). Newer exports have an
            // `input` Placeholder that expects x/127.5 - 1.
            return info ?? (names.Contains("DecodeJpeg/contents") && names.Contains("Mul")
                ? new Known("inception_v3", "Mul", InceptionPool, 299, 299, 128f, 128f)
                : new Known("inception_v3", "input", InceptionPool, 299, 299, 127.5f, 127.5f));
        }

        return info;
    }

    private static Known? ReadModelInfo(GraphDef graph, string path, ModelOverrides overrides)
    {
        var node = graph.Node.FirstOrDefault(n => n.Name == ModelInfoNode);
        if (node is null || !node.Attr.TryGetValue("value", out var value) || value.Tensor is null || value.Tensor.StringVal.Count == 0)
        {
            return null;
        }

        try
        {
            var info = JsonSerializer.Deserialize<ModelInfo>(value.Tensor.StringVal[0].Span);
            info?.Check(path, overrides);
            return info is null
                ? null
                : new Known(info.Architecture ?? "retrained", info.InputNode ?? "input", info.BottleneckNode ?? string.Empty, info.InputHeight, info.InputWidth, info.InputMean, info.InputStd, Recorded: true);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ModelDescription Complete(GraphDef graph, string path, Known? known, string output, string outputFlag, ModelOverrides overrides)
    {
        var input = overrides.InputNode ?? known?.Input ?? SinglePlaceholder(graph, path);
        var names = graph.Node.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        if (known is { Recorded: true } && overrides.InputNode is { } asked
            && RetrainPyInputNames.Contains(NodeNames.Parse(asked).Node) && !names.Contains(NodeNames.Parse(asked).Node))
        {
            // A wrapper written for retrain.py's graphs names their image input; a graph retrain wrote takes the image
            // at the input it records, so that is the node meant.
            input = known.Input;
        }

        RequireNode(names, input, "Input", Flags.InputLayer, path);
        RequireNode(names, output, "Output", outputFlag, path);
        var shape = PlaceholderShape(graph, NodeNames.Parse(input).Node);
        var height = overrides.InputHeight ?? PositiveOrNull(shape, 1) ?? known?.Height;
        var width = overrides.InputWidth ?? PositiveOrNull(shape, 2) ?? known?.Width;
        if (height is null || width is null)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Input node '{input}' of '{path}' does not state its image size. Pass {Flags.InputHeight} and {Flags.InputWidth}.");
        }

        // label_image.py's defaults (mean 0, std 255: inputs in [0, 1]) for graphs we do not recognise.
        return new ModelDescription(
            path,
            ModelFormat.GraphDef,
            known?.Architecture ?? "custom",
            input,
            output,
            height.Value,
            width.Value,
            overrides.InputMean ?? known?.Mean ?? 0f,
            overrides.InputStd ?? known?.Std ?? 255f);
    }

    // Checked here rather than left to the importer so the message can name the flag that chose the node.
    private static void RequireNode(HashSet<string> names, string tensorName, string role, string flag, string path)
    {
        var (name, _) = NodeNames.Parse(tensorName);
        if (!names.Contains(name))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"{role} node '{name}' not found in '{path}'. Closest names: {string.Join(", ", NodeNames.Closest(name, names))}. " +
                $"Fix {flag} (it must name one of the graph's {names.Count} nodes).");
        }
    }

    private static string SinglePlaceholder(GraphDef graph, string path)
    {
        var placeholders = graph.Node.Where(n => n.Op == "Placeholder").Select(n => n.Name).ToList();
        return placeholders.Count == 1
            ? placeholders[0]
            : throw new RetrainException(
                ExitCode.BadModel,
                $"Cannot tell which node of '{path}' takes the image ({placeholders.Count} Placeholder nodes: " +
                $"{string.Join(", ", placeholders.Take(5))}). Pass {Flags.InputLayer} NODE.");
    }

    private static long[]? PlaceholderShape(GraphDef graph, string input)
    {
        var node = graph.Node.FirstOrDefault(n => n.Name == input);
        return node is not null && node.Attr.TryGetValue("shape", out var shape) && shape.Shape is { UnknownRank: false } s
            ? s.Dim.Select(d => d.Size).ToArray()
            : null;
    }

    private static int? PositiveOrNull(long[]? shape, int axis) =>
        shape is { Length: 4 } && shape[axis] > 0 ? (int)shape[axis] : null;

    /// <summary>The JSON retrain stores in <see cref="ModelInfoNode"/>.</summary>
    public sealed record ModelInfo(
        string? Architecture,
        string? InputNode,
        string? BottleneckNode,
        int InputHeight,
        int InputWidth,
        float InputMean,
        float InputStd)
    {
        /// <summary>"NCHW" for a channels-first input; null (not written) for TensorFlow's NHWC.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? InputLayout { get; init; }

        /// <summary>"BGR" for a model fed blue first; null (not written) for RGB.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? InputChannels { get; init; }

        /// <summary>One mean per channel, in the model's channel order; null (not written) when one mean serves all.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<float>? ChannelMeans { get; init; }

        /// <summary>One std per channel, in the model's channel order; null (not written) when one std serves all.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<float>? ChannelStds { get; init; }

        /// <summary>The recorded arrangement, as if its flags had been given.</summary>
        internal InputArrangement Arrangement => new(
            InputLayout is null ? null : Enum.Parse<Images.TensorLayout>(InputLayout, ignoreCase: true),
            InputChannels is null ? null : Enum.Parse<Images.ChannelOrder>(InputChannels, ignoreCase: true),
            ChannelMeans,
            ChannelStds);

        /// <summary>
        /// Refuses recorded preprocessing that cannot feed an image (a size of 0, a std of 0 divides by zero), the
        /// same rules the flags obey; a value whose flag was given is not used, so it is not checked.
        /// </summary>
        internal void Check(string path, ModelOverrides overrides)
        {
            var problem =
                overrides.InputHeight is null && InputHeight <= 0 ? Problem(nameof(InputHeight), InputHeight, Flags.InputHeight, "a size must be at least 1 pixel")
                : overrides.InputWidth is null && InputWidth <= 0 ? Problem(nameof(InputWidth), InputWidth, Flags.InputWidth, "a size must be at least 1 pixel")
                : overrides.InputMean is null && !float.IsFinite(InputMean) ? Problem(nameof(InputMean), InputMean, Flags.InputMean, "the mean must be a number")
                : overrides.InputStd is null && (!float.IsFinite(InputStd) || InputStd == 0) ? Problem(nameof(InputStd), InputStd, Flags.InputStd, "pixels are divided by it, so it must be a number other than 0")
                : null;
            if (problem is not null)
            {
                throw new RetrainException(ExitCode.BadModel, $"'{ModelInfoNode}' in '{path}' says {problem}");
            }
        }

        private static string Problem(string field, IFormattable value, string flag, string rule) =>
            $"{field} {value.ToString(null, CultureInfo.InvariantCulture)}, which cannot preprocess an image ({rule}). The file is " +
            $"damaged or was edited: write it again with retrain, or pass {flag} to override the recorded value.";
    }
}
