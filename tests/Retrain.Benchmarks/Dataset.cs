using Retrain.Data;
using Serilog.Core;

namespace Retrain.Benchmarks;

/// <summary>
/// The benchmark's images: retrain's own lists and split of the image folder, every path in the order `retrain`
/// processes them (part by part), and their encoded bytes read once so the decode stage is measured without the disk.
/// </summary>
internal sealed record Dataset(ImageLists Lists, IReadOnlyList<string> Paths, IReadOnlyList<byte[]> Encoded)
{
    public static Dataset Load(string imageDir)
    {
        var defaults = new RetrainOptions { ImageDir = imageDir };
        var lists = ImageListBuilder.Create(imageDir, defaults.TestingPercentage, defaults.ValidationPercentage, Logger.None);
        var paths = new[] { DatasetPart.Training, DatasetPart.Validation, DatasetPart.Testing }
            .SelectMany(part => lists.Images(part).Select(x => x.Path))
            .ToList();
        return new Dataset(lists, paths, paths.Select(File.ReadAllBytes).ToList());
    }
}
