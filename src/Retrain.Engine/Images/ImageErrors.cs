using Retrain.Errors;

namespace Retrain.Images;

/// <summary>One sentence shape for every image failure: which file, why, how to fix.</summary>
internal static class ImageErrors
{
    public const string SupportedFormats = "JPEG, PNG, BMP, GIF or WebP";

    public static RetrainException Create(string path, string reason, string fix, Exception? inner = null)
    {
        var message = $"Cannot load image '{path}': {reason}. Fix: {fix}.";
        return inner is null
            ? new RetrainException(ExitCode.BadImage, message)
            : new RetrainException(ExitCode.BadImage, message, inner);
    }
}
