using Retrain.Errors;

namespace Retrain.Images;

/// <summary>One sentence shape for every image failure: which file, why, how to fix.</summary>
internal static class ImageErrors
{
    public const string SupportedFormats = "JPEG, PNG, BMP, GIF or WebP";

    /// <summary>
    /// The message without its "Cannot load image 'PATH': " opening, for a line that names the file already
    /// ("Skipping PATH: REASON. Fix: ...").
    /// </summary>
    public static string WithoutPath(string path, string message)
    {
        var opening = $"Cannot load image '{path}': ";
        return message.StartsWith(opening, StringComparison.Ordinal) ? message[opening.Length..] : message;
    }

    public static RetrainException Create(string path, string reason, string fix, Exception? inner = null)
    {
        var message = $"Cannot load image '{path}': {reason}. Fix: {fix}.";
        return inner is null
            ? new RetrainException(ExitCode.BadImage, message)
            : new RetrainException(ExitCode.BadImage, message, inner);
    }
}
