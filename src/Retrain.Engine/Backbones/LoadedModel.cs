using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Retrain.Graphs;
using Retrain.Graphs.Import;
using Retrain.Graphs.SavedModels;
using Retrain.Errors;
using Retrain.Images;
using Retrain.Inference;
using Retrain.IO;
using Retrain.Protos.TensorFlow;

namespace Retrain.Backbones;

/// <summary>
/// A model file opened and ready to run: its description, the GraphDef it came from (null for ONNX files), and the
/// one <see cref="ModelRunner"/> that owns the ONNX Runtime session. Disposing it releases the session.
/// </summary>
internal sealed class LoadedModel : IDisposable
{
    private LoadedModel(
        ModelDescription description,
        GraphDef? graph,
        ModelRunner runner,
        string fileHash,
        IReadOnlyList<string>? labels = null,
        byte[]? onnxModel = null,
        InputArrangement? arrangement = null,
        string? batchNote = null)
    {
        BatchNote = batchNote;
        Layout = arrangement?.Layout ?? TensorLayout.Nhwc;
        ChannelOrder = arrangement?.ChannelOrder ?? ChannelOrder.Rgb;
        ChannelMeans = arrangement?.ChannelMeans;
        ChannelStds = arrangement?.ChannelStds;
        Description = description;
        Graph = graph;
        Runner = runner;
        FileHash = fileHash;
        Labels = labels;
        OnnxModel = onnxModel;
    }

    public ModelDescription Description { get; }

    /// <summary>The source GraphDef, kept so output_graph.pb can reuse the backbone's nodes verbatim.</summary>
    public GraphDef? Graph { get; }

    /// <summary>Which kind of backbone the file holds: a TensorFlow graph (with <see cref="Graph"/>) or an ONNX model.</summary>
    internal BackboneKind Kind => Graph is null ? BackboneKind.Onnx : BackboneKind.FrozenGraph;

    public ModelRunner Runner { get; }

    /// <summary>Hex SHA-256 of the model file.</summary>
    public string FileHash { get; }

    /// <summary>The labels an ONNX file retrain exported carries in its metadata; null for other models.</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <summary>The serialized model of an ONNX backbone (null for GraphDefs), kept to build the retrained ONNX from it.</summary>
    public byte[]? OnnxModel { get; }

    /// <summary>
    /// Where the image input has its channels: NHWC for TensorFlow graphs, NCHW for ONNX models whose input is
    /// [N,3,H,W] (PyTorch, the ONNX model zoo, ML.NET). A 4-D output ([N,C,1,1] or [N,1,1,C]) is read flat, as one
    /// vector per image.
    /// </summary>
    public TensorLayout Layout { get; }

    /// <summary>RGB, or BGR for models fed blue first (<c>--input_channel_order</c>).</summary>
    public ChannelOrder ChannelOrder { get; }

    /// <summary>One mean per channel in the model's order, or null when <see cref="ModelDescription.InputMean"/> serves all.</summary>
    public IReadOnlyList<float>? ChannelMeans { get; }

    /// <summary>One std per channel in the model's order, or null when <see cref="ModelDescription.InputStd"/> serves all.</summary>
    public IReadOnlyList<float>? ChannelStds { get; }

    public int OutputLength => Runner.OutputSizePerItem;

    /// <summary>
    /// For an ONNX model exported with a fixed batch of 1, how it runs: batched, or one image per call and why;
    /// null for other models.
    /// </summary>
    public string? BatchNote { get; }

    public ImagePreprocessing Preprocessing =>
        new(Description.InputHeight, Description.InputWidth, Description.InputMean, Description.InputStd)
        {
            Layout = Layout,
            ChannelOrder = ChannelOrder,
            ChannelMeans = ChannelMeans,
            ChannelStds = ChannelStds,
        };

    /// <summary>
    /// Identifies everything that determines a bottleneck vector apart from the photo: the model bytes, the nodes cut
    /// out of it and the preprocessing. Used to name the cache folder, so vectors of different models never mix.
    /// </summary>
    public string CacheKey => CacheKeyFor(ImageDecodeOptions.Default);

    /// <summary>
    /// <see cref="CacheKey"/> for images decoded with <paramref name="decode"/>: reduced-scale JPEG decoding changes the
    /// vectors, so it gets a key of its own (the default decoding keeps the key it always had).
    /// </summary>
    public string CacheKeyFor(ImageDecodeOptions decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        var d = Description;
        var identity = string.Create(
            CultureInfo.InvariantCulture,
            $"{FileHash}|{d.InputNode}|{d.OutputNode}|{d.InputHeight}x{d.InputWidth}|{d.InputMean:R}|{d.InputStd:R}|resize=tf1-bilinear");
        identity += InputArrangement.KeyPart(Layout, ChannelOrder, ChannelMeans, ChannelStds);
        if (decode.ReducedScaleJpeg)
        {
            identity += "|jpeg=reduced-scale";
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
        // A SavedModel is a folder, given with or without a trailing separator.
        var stem = new string(Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(d.Path)).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());
        return $"{stem}-{hash}";
    }

    /// <summary>Opens a backbone for bottleneck extraction.</summary>
    public static LoadedModel OpenBackbone(string path, ModelOverrides overrides, InferenceSettings settings) =>
        Open(path, overrides, settings, static (graph, p, o) => ModelRecognizer.ForBottleneck(graph, p, o), vectorOutput: true);

    /// <summary>Opens a classifier (a graph retrain or retrain.py wrote) for label-image.</summary>
    public static LoadedModel OpenClassifier(string path, ModelOverrides overrides, InferenceSettings settings, string defaultOutput) =>
        Open(path, overrides, settings, (graph, p, o) => ModelRecognizer.ForClassification(graph, p, o, defaultOutput), vectorOutput: false);

    private static LoadedModel Open(
        string path,
        ModelOverrides overrides,
        InferenceSettings settings,
        Func<GraphDef, string, ModelOverrides, ModelDescription> describe,
        bool vectorOutput)
    {
        if (SavedModelFile.IsSavedModel(path))
        {
            var savedModel = SavedModelGraph.Load(path);
            return OpenGraphDef(path, savedModel.Graph, savedModel.WithSignature(overrides), settings, describe, savedModel.FileHash, vectorOutput, savedModel.Freeze);
        }

        if (Directory.Exists(path))
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Model path '{path}' is a folder but not a SavedModel (it holds no {SavedModelFile.FileName}). Give a frozen graph (.pb) " +
                $"or ONNX file, or a folder retrain wrote with {Flags.SavedModelDir}.");
        }

        var bytes = InputFile.TryReadAllBytes(path, InputFile.NoCap, out var refusal) ?? throw (refusal.Kind == InputRefusalKind.Missing
            ? new RetrainException(ExitCode.BadModel, $"Model file '{path}' not found. Check the path given with {Flags.Graph} (label-image) or {Flags.TfhubModule} (retrain).")
            : InputFile.Refused(path, GraphDefFile.ModelFileRole, refusal));

        // The graph is parsed from the bytes hashed: a file replaced in between cannot give a graph another key.
        var fileHash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return IsOnnx(path, bytes)
            ? OpenOnnx(path, bytes, overrides, settings, fileHash)
            : OpenGraphDef(path, GraphDefFile.Parse(bytes, path), overrides, settings, describe, fileHash, vectorOutput);
    }

    private static LoadedModel OpenGraphDef(
        string path,
        GraphDef graph,
        ModelOverrides overrides,
        InferenceSettings settings,
        Func<GraphDef, string, ModelOverrides, ModelDescription> describe,
        string fileHash,
        bool vectorOutput,
        Func<string, string, GraphDef>? freeze = null)
    {
        RefuseArrangement(overrides.Arrangement, path);
        var description = describe(graph, path, overrides);

        // A SavedModel's variables become constants of the one cut it is opened for, as TensorFlow's freeze_graph does.
        graph = freeze?.Invoke(description.InputNode, description.OutputNode) ?? graph;
        var inputNode = graph.Node.FirstOrDefault(n => n.Name == description.InputNode);

        // Nodes in the middle of a graph (the 2015 Inception's `Mul`) carry no shape: tell the importer the image size.
        // A Placeholder with unknown sides (SavedModels served at any size) gets the size the description settled on.
        long[]? inputShape = inputNode is { Op: "Placeholder" or "PlaceholderWithDefault" } && inputNode.DeclaredShape() is { Length: > 1 } declared
            && declared.Skip(1).All(static d => d > 0)
            ? null
            : [-1, description.InputHeight, description.InputWidth, 3];
        if (description.InputNode == description.OutputNode)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"The input and the output node of '{path}' are both '{description.InputNode}': the output ({Flags.BottleneckLayer} for " +
                $"retrain, {Flags.OutputLayer} for label-image) must be a node the input flows into. Check {Flags.InputLayer}.");
        }

        var imported = GraphImporter.Import(graph, description.InputNode, description.OutputNode, inputShape, path);
        if (vectorOutput)
        {
            CheckBottleneckIsVector(imported, description, path);
        }

        var runner = ModelRunner.Create(imported, settings);
        try
        {
            CheckImageInput(runner.InputShapePerItem, description, path);
            return new LoadedModel(description, graph, runner, fileHash);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    private static LoadedModel OpenOnnx(string path, byte[] file, ModelOverrides overrides, InferenceSettings settings, string fileHash)
    {
        // The cache key has the output's name beside the file's hash, so vectors of two cuts of one file never mix.
        // A fixed batch of 1 runs batched when the model allows it; the composed classifier is built from the same bytes.
        var relaxed = OnnxBatchRelaxation.Open(OnnxOutputSelector.Select(file, overrides.OutputNode, path), settings, path);
        var (runner, bytes) = (relaxed.Runner, relaxed.Model);
        try
        {
            CheckNames(runner, overrides, path);
            // Files retrain exported (--output_onnx) record their preprocessing; flags still win.
            var metadata = OnnxMetadata.Read(bytes);
            var info = metadata.Model;
            info?.Check(path, overrides);
            var given = overrides.Arrangement;
            var recorded = info?.Arrangement ?? InputArrangement.NotGiven;
            var layout = given.Layout ?? recorded.Layout ?? DetectLayout(runner.InputShapePerItem);
            var arrangement = new InputArrangement(
                layout,
                given.ChannelOrder ?? recorded.ChannelOrder,
                given.ChannelMeans ?? (overrides.InputMean is null ? recorded.ChannelMeans : null),
                given.ChannelStds ?? (overrides.InputStd is null ? recorded.ChannelStds : null));
            var shape = layout == TensorLayout.Nchw && runner.InputShapePerItem.Length == 3
                ? [.. runner.InputShapePerItem[1..], runner.InputShapePerItem[0]]
                : runner.InputShapePerItem;
            var description = new ModelDescription(
                path,
                ModelFormat.Onnx,
                info?.Architecture ?? "onnx",
                runner.InputName,
                runner.OutputName,
                overrides.InputHeight ?? (shape.Length == 3 && shape[0] > 0 ? (int)shape[0] : info?.InputHeight ?? 0),
                overrides.InputWidth ?? (shape.Length == 3 && shape[1] > 0 ? (int)shape[1] : info?.InputWidth ?? 0),
                overrides.InputMean ?? info?.InputMean ?? 0f,
                overrides.InputStd ?? info?.InputStd ?? 255f);
            CheckImageInput(shape, description, path);
            return new LoadedModel(description, null, runner, fileHash, metadata.Labels, bytes, arrangement, relaxed.BatchNote);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    private static void CheckNames(ModelRunner runner, ModelOverrides overrides, string path)
    {
        if (overrides.InputNode is { } input && input != runner.InputName)
        {
            throw new RetrainException(ExitCode.BadModel, $"ONNX model '{path}' has input '{runner.InputName}', not '{input}'. Fix {Flags.InputLayer} or leave it out.");
        }

        if (overrides.OutputNode is { } output && output != runner.OutputName)
        {
            throw new RetrainException(ExitCode.BadModel, $"ONNX model '{path}' has output '{runner.OutputName}', not '{output}'. Fix the output/bottleneck layer flag or leave it out.");
        }
    }

    /// <summary>
    /// A TensorFlow graph takes NHWC RGB with one mean and std (retrain.py's <c>add_jpeg_decoding</c>), and the
    /// output_graph.pb written from it records only those; any other arrangement is for ONNX backbones.
    /// </summary>
    private static void RefuseArrangement(InputArrangement given, string path)
    {
        var flag = given.Layout is TensorLayout.Nchw ? Flags.InputLayout
            : given.ChannelOrder is ChannelOrder.Bgr ? Flags.InputChannelOrder
            : given.ChannelMeans is not null ? Flags.InputMean
            : given.ChannelStds is not null ? Flags.InputStd
            : null;
        if (flag is not null)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{flag} as given applies to ONNX backbones only: '{path}' is a TensorFlow graph, which takes NHWC RGB images normalised " +
                $"with one {Flags.InputMean} and one {Flags.InputStd}. " +
                (flag is Flags.InputMean or Flags.InputStd ? "Give one value, or leave the flag out." : "Leave the flag out."));
        }
    }

    /// <summary>
    /// [3,H,W] per image with H and W not 3 is channels-first; everything else is taken as channels-last and checked
    /// as before.
    /// </summary>
    private static TensorLayout DetectLayout(long[] shapePerItem) =>
        shapePerItem is [3, var h, var w] && h != 3 && w != 3 ? TensorLayout.Nchw : TensorLayout.Nhwc;

    /// <param name="shape">The input shape per image, channels last.</param>
    private static void CheckImageInput(long[] shape, ModelDescription d, string path)
    {
        var fits = shape.Length == 3
            && (shape[0] <= 0 || shape[0] == d.InputHeight)
            && (shape[1] <= 0 || shape[1] == d.InputWidth)
            && shape[2] == 3
            && d.InputHeight > 0 && d.InputWidth > 0;
        if (!fits)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Input '{d.InputNode}' of '{path}' has shape [{string.Join(",", shape)}] per image, which is not an " +
                $"RGB image of {d.InputHeight}x{d.InputWidth} (NHWC [N,H,W,3] or NCHW [N,3,H,W]). Check {Flags.InputLayer}, {Flags.InputHeight} and {Flags.InputWidth}.");
        }
    }

    /// <summary>
    /// The new layer is a MatMul on a [batch, size] bottleneck (retrain.py's placeholder_with_default has that
    /// shape). A feature map cut before the pooling would train on flattened pixels and write a graph TensorFlow
    /// cannot run, so it is refused here, before any bottleneck is computed.
    /// </summary>
    private static void CheckBottleneckIsVector(ImportedGraph imported, ModelDescription d, string path)
    {
        var shape = imported.OutputShape;
        if (shape.Length == 2)
        {
            return;
        }

        throw new RetrainException(
            ExitCode.BadModel,
            $"Bottleneck node '{d.OutputNode}' of '{path}' has shape [{string.Join(",", shape)}], but the bottleneck must be one " +
            $"vector per image, shape [batch, size]. Pass as {Flags.BottleneckLayer} a node after the global pooling and its " +
            "reshape/squeeze (e.g. 'MobilenetV1/Predictions/Reshape' in MobileNet v1, 'pool_3/_reshape' in Inception-v3).");
    }

    private static bool IsOnnx(string path, byte[] bytes) =>
        path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
        || (bytes.Length > 0 && bytes[0] == 0x08 && !path.EndsWith(".pb", StringComparison.OrdinalIgnoreCase));

    public void Dispose() => Runner.Dispose();
}
