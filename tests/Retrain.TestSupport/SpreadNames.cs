using Retrain.Data;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// File names for generated datasets whose split does not depend on the random temporary folder. The split hashes the
/// whole path (retrain.py's <c>create_image_lists</c> does), so with a handful of images per class a run would now
/// and then find a class with no training image at all (CI saw 2 of 3 classes empty at 4 images each and 40% held
/// out). Image <c>i</c> of <c>n</c> gets a name whose hash lies in [100 i / n, 100 (i + 1) / n): every class's parts
/// then have the sizes the percentages give, to within one image, wherever the folder is.
/// </summary>
public static class SpreadNames
{
    /// <summary>
    /// <c>{stem}{extension}</c> when its hash falls in image <paramref name="index"/>'s band, otherwise the first of
    /// <c>{stem}_1{extension}</c>, <c>{stem}_2{extension}</c>, ... that does; names keep the order of their stems.
    /// </summary>
    public static string Pick(string imageDir, string className, string stem, string extension, int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        var low = 100.0 * index / count;
        var high = 100.0 * (index + 1) / count;
        for (var attempt = 0; ; attempt++)
        {
            var name = attempt == 0 ? stem + extension : $"{stem}_{attempt}{extension}";
            var hash = DatasetSplit.PercentageHash(PythonPath.Join(imageDir, className, name));
            if (hash >= low && (hash < high || index == count - 1))
            {
                return name;
            }
        }
    }
}
