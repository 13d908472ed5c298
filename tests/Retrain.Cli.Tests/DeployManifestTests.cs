using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Retrain.Cli.Tests;

/// <summary>
/// Issue 20: deploy/kubernetes's manifests hold together. The shards' Indexed Job gives each pod an index the CLI
/// turns into a distinct shard of the right count, and the training Job reads the cache the shards filled, on the same
/// ReadWriteMany claim. The command lines go through the real parser, with JOB_COMPLETION_INDEX as Kubernetes sets it.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string Folder = Path.Combine(SharedData.RepositoryRoot, "deploy", "kubernetes");

    [Fact]
    public void ShardJob_IsIndexed_AndEveryIndexCachesItsOwnShardOfTheRightCount()
    {
        var job = Load("bottlenecks-job.yaml");
        var spec = Map(job, "spec");

        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        var completions = int.Parse(Scalar(spec, "completions"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(completions, int.Parse(Scalar(spec, "parallelism"), System.Globalization.CultureInfo.InvariantCulture));

        var container = Container(job);
        var command = Command(container, "bottlenecks-job.yaml");
        Assert.True(command.Has(Flags.BottlenecksOnly), "the shard pods must run --bottlenecks_only");
        Assert.False(command.Has(Flags.Shard), "--shard would give every pod the same shard: the index must come from JOB_COMPLETION_INDEX");
        Assert.DoesNotContain(Env(container), name => name is ShardFlags.KubernetesIndex or ShardFlags.SlurmTaskId or ShardFlags.SlurmTaskCount);

        var shards = new List<string>();
        for (var index = 0; index < completions; index++)
        {
            var options = command.Options(new Dictionary<string, string> { [ShardFlags.KubernetesIndex] = $"{index}" });
            Assert.True(options.BottlenecksOnly);
            shards.Add(options.Shard!.ToString());
        }

        // completions == --shard_count: each index is its own shard and together they are all of them.
        var expected = Enumerable.Range(0, completions).Select(i => $"{i}/{completions}").ToList();
        Assert.True(expected.SequenceEqual(shards), $"completions {completions} should give the shards {string.Join(' ', expected)}; --shard_count gives {string.Join(' ', shards)}");
    }

    [Fact]
    public void TrainingJob_ReadsTheShardsCache_AndWritesToTheVolume()
    {
        var shards = Command(Container(Load("bottlenecks-job.yaml")), "bottlenecks-job.yaml");
        var training = Command(Container(Load("train-job.yaml")), "train-job.yaml");

        DeployedCommand.AssertReadsTheSameCache(shards, training);
        Assert.False(training.Has(Flags.BottlenecksOnly), "the training job must train");
        Assert.False(training.Has(Flags.Shard) || training.Has(Flags.ShardCount), "the training job reads every shard");

        var options = training.Options();
        Assert.Null(options.Shard);
        var mount = MountPath(Load("train-job.yaml"));
        foreach (var output in new[] { options.OutputGraph, options.OutputLabels })
        {
            Assert.StartsWith(mount.TrimEnd('/') + "/out/", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BothJobs_MountTheSameReadWriteManyClaim_AtThePathTheirFlagsUse()
    {
        var claim = Load("pvc.yaml");
        Assert.Equal("PersistentVolumeClaim", Scalar(claim, "kind"));
        Assert.Contains("ReadWriteMany", Sequence(Map(claim, "spec"), "accessModes").Select(n => ((YamlScalarNode)n).Value));
        var claimName = Scalar(Map(claim, "metadata"), "name");

        var mounts = new List<string>();
        foreach (var file in new[] { "bottlenecks-job.yaml", "train-job.yaml" })
        {
            var job = Load(file);
            var volume = Map(MountedVolume(job), "persistentVolumeClaim");
            Assert.Equal(claimName, Scalar(volume, "claimName"));
            var mount = MountPath(job);
            mounts.Add(mount);

            var options = Command(Container(job), file).Options();
            foreach (var path in new[] { options.ImageDir, options.BottleneckDir, options.TfhubModule! })
            {
                Assert.StartsWith(mount.TrimEnd('/') + "/", path, StringComparison.Ordinal);
            }
        }

        Assert.Single(mounts.Distinct());
    }

    [Fact]
    public void BothJobs_RunTheImageTheDockerfileBuilds()
    {
        var images = new[] { "bottlenecks-job.yaml", "train-job.yaml" }.Select(f => Scalar(Container(Load(f)), "image")).Distinct();
        Assert.Single(images);

        // The image publishes as a checkout does, and puts the published commands on PATH for `command: [retrain]`.
        var dockerfile = File.ReadAllText(Path.Combine(Folder, "Dockerfile"));
        Assert.Contains("scripts/build.sh", dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY --from=build /src/.artifacts/bin /app", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENV PATH=\"/app:${PATH}\"", dockerfile, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(SharedData.RepositoryRoot, "scripts", "build.sh")));
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Folder, file)))
        {
            stream.Load(reader);
        }

        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) =>
        Assert.IsType<YamlSequenceNode>(node.Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value!;

    private static YamlMappingNode PodSpec(YamlMappingNode job) => Map(Map(Map(job, "spec"), "template"), "spec");

    private static YamlMappingNode Container(YamlMappingNode job) =>
        Assert.IsType<YamlMappingNode>(Assert.Single(Sequence(PodSpec(job), "containers")));

    private static DeployedCommand Command(YamlMappingNode container, string file)
    {
        var argv = Sequence(container, "command").Concat(Sequence(container, "args"))
            .Select(n => Assert.IsType<YamlScalarNode>(n).Value!).ToList();
        // An Indexed Job's pods get JOB_COMPLETION_INDEX; a plain Job's do not.
        var indexed = Map(Load(file), "spec").Children.ContainsKey(new YamlScalarNode("completionMode"));
        return DeployedCommand.Parse(
            $"deploy/kubernetes/{file}",
            argv,
            indexed ? new Dictionary<string, string> { [ShardFlags.KubernetesIndex] = "0" } : new Dictionary<string, string>());
    }

    private static IEnumerable<string> Env(YamlMappingNode container) =>
        container.Children.TryGetValue(new YamlScalarNode("env"), out var env)
            ? ((YamlSequenceNode)env).Select(e => Scalar((YamlMappingNode)e, "name"))
            : [];

    /// <summary>The one volume the container mounts; fails when it mounts more or fewer.</summary>
    private static YamlMappingNode MountedVolume(YamlMappingNode job)
    {
        var name = Scalar(Assert.IsType<YamlMappingNode>(Assert.Single(Sequence(Container(job), "volumeMounts"))), "name");
        return Assert.Single(Sequence(PodSpec(job), "volumes").Cast<YamlMappingNode>(), v => Scalar(v, "name") == name);
    }

    private static string MountPath(YamlMappingNode job) =>
        Scalar(Assert.IsType<YamlMappingNode>(Assert.Single(Sequence(Container(job), "volumeMounts"))), "mountPath");
}
