using Retrain.Data;
using Retrain.Errors;
using Serilog;

namespace Retrain;

/// <summary>
/// label-image's <c>--image</c> values as the files to label: a file as given, a folder as the photos directly in it
/// (.jpg, .jpeg or .png, the files retrain reads, in name order), so a test folder needs no shell loop.
/// </summary>
internal static class ImageArguments
{
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> images, ILogger log)
    {
        var files = new List<string>(images.Count);
        foreach (var image in images)
        {
            if (!Directory.Exists(image))
            {
                files.Add(image); // a missing or unreadable file is reported when it is read, beside the others
                continue;
            }

            var photos = PhotosIn(image);
            log.Information("Labelling the {Count} photos in {Folder:l}", photos.Count, image);
            files.AddRange(photos);
        }

        return files;
    }

    private static List<string> PhotosIn(string folder)
    {
        List<string> photos;
        try
        {
            photos = Directory.EnumerateFiles(folder)
                .Where(f => ImageListBuilder.HasImageExtension(f) && !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(
                ExitCode.BadImage,
                $"Cannot list the folder '{folder}' given with {Flags.Image}: {e.Message} Check its permissions, or name its photos one by one.",
                e);
        }

        if (photos.Count == 0)
        {
            var below = Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).FirstOrDefault();
            throw new RetrainException(
                ExitCode.BadImage,
                $"The folder '{folder}' given with {Flags.Image} holds no .jpg, .jpeg or .png files directly" +
                (below is null ? "." : $"; photos in its subfolders (such as '{below}') are not read: pass each subfolder with {Flags.Image}.") +
                " Give a folder of photos or the photos themselves.");
        }

        return photos;
    }
}
