namespace Retrain.Images;

/// <summary>
/// The most values retrain feeds a model per image, and takes back from it: a 16384x16384 RGB image. A graph
/// claiming more (a Placeholder of [-1,100000,100000,3]) is damaged or not an image model; its buffers would neither
/// fit in an array nor in memory, so it is refused by name when loaded.
/// </summary>
internal static class ImageInputLimit
{
    public const int MaxSide = 16_384;

    public const long MaxValuesPerImage = (long)MaxSide * MaxSide * 3;

    /// <summary>The limit in words, for messages.</summary>
    public static string Describe { get; } = $"at most {MaxSide}x{MaxSide} RGB, {MaxValuesPerImage:N0} values per image";

    /// <summary>Whether one image of shape <paramref name="perImage"/> (all dimensions known, batch excluded) is within the limit.</summary>
    public static bool Fits(ReadOnlySpan<long> perImage)
    {
        long count = 1;
        foreach (var d in perImage)
        {
            // Checked against the limit at each step, so the product never overflows.
            if (d > MaxValuesPerImage || (count *= d) > MaxValuesPerImage)
            {
                return false;
            }
        }

        return true;
    }
}
