using System.CommandLine;
using Retrain.Errors;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// A `retrain` command line as a deploy/ file runs it, parsed by the real command (so a misspelt or removed flag fails
/// here) and bound to options with the cluster's variables, as the CLI does at run time.
/// </summary>
internal sealed class DeployedCommand
{
    private readonly ParseResult _parse;
    private readonly IReadOnlyDictionary<string, string> _environment;

    private DeployedCommand(string where, IReadOnlyList<string> arguments, ParseResult parse, IReadOnlyDictionary<string, string> environment)
    {
        Where = where;
        Arguments = arguments;
        _parse = parse;
        _environment = environment;
    }

    /// <summary>Which file (and job) runs it, for messages.</summary>
    public string Where { get; }

    /// <summary>The arguments after the command's name.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>
    /// Parses <paramref name="argv"/> (the command, then its arguments); fails unless it is `retrain` with valid flags.
    /// <paramref name="environment"/> is what the cluster sets in one of its processes (the first task of an array).
    /// </summary>
    public static DeployedCommand Parse(string where, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment)
    {
        Assert.True(argv.Count > 0 && Path.GetFileName(argv[0]) == "retrain", $"{where} runs '{string.Join(' ', argv)}', not retrain");
        var arguments = argv.Skip(1).ToList();
        var parse = RetrainCommand.Create().Parse(arguments);
        Assert.True(parse.Errors.Count == 0, $"{where}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        return new DeployedCommand(where, arguments, parse, environment);
    }

    /// <summary>Whether the flag is given, as <c>--flag value</c> or <c>--flag=value</c>.</summary>
    public bool Has(string flag) =>
        Arguments.Any(a => a == flag || a.StartsWith(flag + "=", StringComparison.Ordinal));

    /// <summary>The options the CLI builds from this command line in the environment given to <see cref="Parse"/>.</summary>
    public RetrainOptions Options() => Options(_environment);

    /// <summary>The options the CLI builds from this command line in a process whose environment is <paramref name="environment"/>.</summary>
    public RetrainOptions Options(IReadOnlyDictionary<string, string> environment) =>
        RetrainCommand.Bind(_parse, name => environment.GetValueOrDefault(name));

    /// <summary>
    /// Fails unless <paramref name="training"/> reads the vectors <paramref name="shards"/> cached: the same images,
    /// spelt alike (the split and the shards hash the path as typed), the same cache folder and the same model flags
    /// (the cache is keyed by the model and its preprocessing).
    /// </summary>
    public static void AssertReadsTheSameCache(DeployedCommand shards, DeployedCommand training)
    {
        var a = shards.Options();
        var b = training.Options();
        var differ = new List<string>();
        void Same<T>(string flag, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y))
            {
                differ.Add($"{flag}: '{x}' in {shards.Where}, '{y}' in {training.Where}");
            }
        }

        Same(Flags.ImageDir, a.ImageDir, b.ImageDir);
        Same(Flags.BottleneckDir, a.BottleneckDir, b.BottleneckDir);
        Same(Flags.TfhubModule, a.TfhubModule, b.TfhubModule);
        Same("--architecture", a.Architecture, b.Architecture);
        Same("--model_dir", a.ModelDir, b.ModelDir);
        Same("--input_layer, --bottleneck_layer, --input_height/width/mean/std", a.Model, b.Model);
        Same("--reduced_scale_jpeg", a.ReducedScaleJpeg, b.ReducedScaleJpeg);
        Same(Flags.RetrainPyBottleneckDir, a.RetrainPyBottleneckDir, b.RetrainPyBottleneckDir);
        Assert.True(differ.Count == 0, "The training job would not find the shards' vectors:\n" + string.Join('\n', differ));
        Assert.NotNull(a.TfhubModule ?? a.Architecture);
    }
}
