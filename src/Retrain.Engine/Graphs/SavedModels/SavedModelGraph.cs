using System.Security.Cryptography;
using Retrain.Errors;
using Retrain.Protos.TensorFlow;

namespace Retrain.Graphs.SavedModels;

/// <summary>
/// A SavedModel folder opened as a backbone or classifier: its serving MetaGraph with TF2 function calls inlined
/// (<see cref="Graph"/>, whose names the model recognition and flags use), the serving signature, and
/// <see cref="Freeze"/>, which gives the frozen GraphDef of one input -> output cut with the variables read from
/// variables/. A graph without variables or functions (the SavedModels retrain writes) passes through unchanged.
/// </summary>
internal sealed class SavedModelGraph
{
    private readonly MetaGraphDef _meta;
    private readonly Dictionary<string, string> _origin;
    private (TensorBundle Bundle, CheckpointKeys Keys)? _variables;

    private SavedModelGraph(string folder, MetaGraphDef meta, GraphDef graph, Dictionary<string, string> origin, string fileHash)
    {
        Folder = folder;
        _meta = meta;
        _origin = origin;
        Graph = graph;
        FileHash = fileHash;
    }

    public string Folder { get; }

    /// <summary>The serving graph, TF2 function calls inlined; variables still variables.</summary>
    public GraphDef Graph { get; }

    /// <summary>Hex SHA-256 of saved_model.pb and, when the graph has variables, of the variables' files.</summary>
    public string FileHash { get; }

    /// <summary>True when the graph holds variables, which <see cref="Freeze"/> turns into constants.</summary>
    public bool HasVariables => Graph.Node.Any(static n => VariableFreezer.VariableOps.Contains(n.Op));

    private string Source => $"SavedModel '{Folder}'";

    private string VariablesPrefix => Path.Combine(Folder, SavedModelFile.VariablesFolder, "variables");

    public static SavedModelGraph Load(string folder)
    {
        var (meta, bytes) = SavedModelFile.LoadMetaGraph(folder);
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);
        var graph = FunctionInliner.Inline(meta.GraphDef, $"SavedModel '{folder}'", origin);
        GraphDefFile.CheckNodes(graph, Path.Combine(folder, SavedModelFile.FileName));
        var hasVariables = graph.Node.Any(static n => VariableFreezer.VariableOps.Contains(n.Op));
        return new SavedModelGraph(folder, meta, graph, origin, Hash(folder, bytes, hasVariables));
    }

    /// <summary>
    /// The flags with what the serving signature says filled in (input, output, image size). Graphs retrain wrote
    /// describe themselves (<see cref="ModelRecognizer.ModelInfoNode"/>), so their signature is not needed.
    /// </summary>
    public ModelOverrides WithSignature(ModelOverrides given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return Graph.Node.Any(static n => n.Name == ModelRecognizer.ModelInfoNode)
            ? given
            : ServingSignature.Fill(_meta, given, Rename, Folder);
    }

    /// <summary>
    /// The frozen graph that computes <paramref name="output"/>: the nodes it needs, variables as constants. The
    /// graph of a SavedModel without variables and functions is returned as it is.
    /// </summary>
    public GraphDef Freeze(string input, string output)
    {
        if (!HasVariables && _origin.Count == 0)
        {
            return Graph;
        }

        return VariableFreezer.Freeze(Graph, input, output, OpenVariables, _origin, Source);
    }

    /// <summary>A signature tensor "node:k" as the node holding it after inlining.</summary>
    private string Rename(string tensor)
    {
        var (node, index) = NodeNames.Parse(tensor);
        var inlined = FunctionInliner.OutputNode(node, index);
        return index == 0 ? node : _origin.ContainsKey(inlined) ? inlined : tensor;
    }

    private (TensorBundle, CheckpointKeys) OpenVariables()
    {
        if (_variables is null)
        {
            var index = VariablesPrefix + ".index";
            if (!File.Exists(index))
            {
                throw new RetrainException(ExitCode.BadModel,
                    $"{Source} has variables, but its variables index {index} is missing. Copy the SavedModel's whole " +
                    "variables/ folder, or re-export the SavedModel.");
            }

            var bundle = TensorBundle.Open(VariablesPrefix);
            _variables = (bundle, CheckpointKeys.For(_meta, _meta.GraphDef, bundle));
        }

        return _variables.Value;
    }

    /// <summary>
    /// The bottleneck cache is keyed by this hash, so the variables' files are in it: a retrained checkpoint with the
    /// same graph must not reuse the old vectors.
    /// </summary>
    private static string Hash(string folder, byte[] savedModel, bool hasVariables)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(savedModel);
        var variables = Path.Combine(folder, SavedModelFile.VariablesFolder);
        if (hasVariables && Directory.Exists(variables))
        {
            foreach (var file in Directory.GetFiles(variables, "variables.*").Order(StringComparer.Ordinal))
            {
                sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file)));
                try
                {
                    using var stream = File.OpenRead(file);
                    var buffer = new byte[1 << 20];
                    for (int read; (read = stream.Read(buffer)) > 0;)
                    {
                        sha.AppendData(buffer, 0, read);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new RetrainException(ExitCode.IoError, $"Cannot read {file} of SavedModel '{folder}': {e.Message}", e);
                }
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
