using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Retrain.Data;

/// <summary>
/// The stable training/validation/testing assignment of retrain.py's <c>create_image_lists</c>: a file's part depends
/// only on its path string, so a file keeps its part when images are added or removed, on every machine and every run.
/// </summary>
internal static partial class DatasetSplit
{
    /// <summary>retrain.py's MAX_NUM_IMAGES_PER_CLASS (2^27 - 1): the hash is taken modulo this plus one.</summary>
    public const long MaxImagesPerClass = 134_217_727;

    private const uint HashMask = (uint)MaxImagesPerClass;

    /// <summary>
    /// The file's position in [0, 100] on retrain.py's scale. <paramref name="hashName"/> is the file path exactly as
    /// retrain.py builds it; everything from "_nohash_" on is dropped first (retrain.py's way of letting a dataset keep
    /// near-duplicate photos of one subject in the same part), so passing an already stripped name is harmless.
    /// </summary>
    public static double PercentageHash(string hashName)
    {
        ArgumentNullException.ThrowIfNull(hashName);
        var stripped = NoHashSuffix().Replace(hashName, string.Empty);

        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.UTF8.GetBytes(stripped), digest);

        // Python reads the hex digest as one big-endian integer and takes it modulo 2^27: that is exactly the low 27
        // bits, which live in the last four bytes. The remainder (< 2^53) converts to double exactly, so one double
        // multiply by the same constant reproduces Python's float to the last bit.
        var remainder = BinaryPrimitives.ReadUInt32BigEndian(digest[^4..]) & HashMask;
        return remainder * (100.0 / MaxImagesPerClass);
    }

    /// <summary>
    /// The part retrain.py puts the file in: below <paramref name="validationPercentage"/> is validation, below
    /// testing + validation is testing, the rest is training.
    /// </summary>
    public static DatasetPart Assign(string hashName, double testingPercentage, double validationPercentage)
    {
        var percentage = PercentageHash(hashName);
        if (percentage < validationPercentage)
        {
            return DatasetPart.Validation;
        }

        return percentage < testingPercentage + validationPercentage ? DatasetPart.Testing : DatasetPart.Training;
    }

    // Python's re.sub(r'_nohash_.*$', '', name): '.' stops at a newline and '$' also matches before a final newline,
    // which .NET's default (non-multiline) semantics share.
    [GeneratedRegex("_nohash_.*$", RegexOptions.CultureInvariant)]
    private static partial Regex NoHashSuffix();
}
