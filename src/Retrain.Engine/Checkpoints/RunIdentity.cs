using System.Security.Cryptography;
using System.Text;
using Retrain.Data;
using Retrain.Errors;
using Retrain.Protos.Checkpoints;

namespace Retrain.Checkpoints;

/// <summary>
/// What a checkpoint belongs to: the dataset (labels, and which images are in the training and validation sets, by
/// their path under --image_dir) and the backbone (<see cref="Backbones.LoadedModel.CacheKey"/>: model bytes, nodes and
/// preprocessing). A checkpoint is only resumed by a run with the same identity; the layer it holds means nothing
/// for other classes or other bottlenecks.
/// </summary>
internal sealed record RunIdentity(IReadOnlyList<string> Labels, string DatasetFingerprint, string ModelFingerprint, int BottleneckSize)
{
    public static RunIdentity Of(ImageLists lists, string modelCacheKey, int bottleneckSize)
    {
        ArgumentNullException.ThrowIfNull(lists);
        var text = new StringBuilder();
        foreach (var label in lists.Labels)
        {
            text.Append("label\t").Append(label).Append('\n');
        }

        // The test set does not influence training, so images added there do not invalidate a checkpoint.
        foreach (var part in new[] { DatasetPart.Training, DatasetPart.Validation })
        {
            foreach (var (classIndex, path) in lists.Images(part))
            {
                var relative = Path.GetRelativePath(lists.ImageDir, path).Replace('\\', '/');
                text.Append(part).Append('\t').Append(classIndex).Append('\t').Append(relative).Append('\n');
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return new RunIdentity(lists.Labels, hash, modelCacheKey, bottleneckSize);
    }

    /// <summary>Refuses a checkpoint written for another dataset or model, saying which and what to do.</summary>
    public void EnsureMatches(TrainingCheckpoint checkpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        const string Advice = $"Its layer cannot be continued on this run's bottlenecks and classes. Delete it to start over, or pass another {Flags.CheckpointPath}.";
        if (checkpoint.ModelFingerprint != ModelFingerprint || checkpoint.BottleneckSize != BottleneckSize)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' was written for another model or preprocessing ({checkpoint.ModelFingerprint}; this run uses {ModelFingerprint}). {Advice}");
        }

        if (!checkpoint.Labels.SequenceEqual(Labels))
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' was written for other classes ({string.Join(", ", checkpoint.Labels)}; this run has {string.Join(", ", Labels)}). {Advice}");
        }

        if (checkpoint.DatasetFingerprint != DatasetFingerprint)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"The checkpoint '{path}' was written for another set of training or validation images (same classes, but images were added, removed or moved, or {Flags.ImageDir} is spelled differently: the split hashes the path as typed). {Advice}");
        }
    }
}
