using System.Globalization;
using Retrain.Errors;
using Serilog;

namespace Retrain.Data;

/// <summary>
/// Finds the classes and images under the image directory and splits them, following retrain.py's
/// <c>create_image_lists</c> and the class-count checks at the start of its <c>main</c>.
/// </summary>
internal static class ImageListBuilder
{
    /// <summary>Folders with fewer images than this get retrain.py's "may cause issues" warning.</summary>
    public const int FewImagesWarningThreshold = 20;

    /// <summary>How many entries the walk for the "ignored images" warning looks at before it stops counting.</summary>
    internal const int MaxEntriesWalkedForWarning = 100_000;

    /// <summary>retrain.py's default --testing_percentage and --validation_percentage.</summary>
    private const int DefaultPercentage = 10;

    /// <summary>Photo formats a class folder may hold that are not read, so the user is told rather than left guessing.</summary>
    private static readonly HashSet<string> OtherPhotoExtensions = new(
        [".bmp", ".gif", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".jxl", ".dng", ".cr2", ".nef", ".arw"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Lists the classes of <paramref name="imageDir"/> (its immediate subfolders that hold at least one .jpg, .jpeg or
    /// .png file, extension in any case) in code-point order of folder name, and splits each class's images.
    /// <paramref name="imageDir"/> is kept exactly as given: it prefixes every returned path and every hashed name, so a
    /// relative directory gives the same split on every machine, as it did in retrain.py.
    /// </summary>
    /// <exception cref="RetrainException">
    /// BadDataset when the folder is missing or cannot be listed, has fewer than two classes, or two folders map to one
    /// label; Usage for impossible percentages.
    /// </exception>
    public static ImageLists Create(string imageDir, double testingPercentage, double validationPercentage, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(imageDir);
        ArgumentNullException.ThrowIfNull(log);
        CheckPercentages(testingPercentage, validationPercentage);

        if (!Directory.Exists(imageDir))
        {
            var what = File.Exists(imageDir) ? "is a file, not a folder" : "not found";
            throw new RetrainException(
                ExitCode.BadDataset,
                $"Image directory '{imageDir}' {what}. Pass as {Flags.ImageDir} a folder that holds one subfolder of images per class.");
        }

        var classes = new List<ImageClass>();
        var folderByLabel = new Dictionary<string, string>(StringComparer.Ordinal);
        WarnAboutIgnoredImages(imageDir, imageDir, recurse: false, "they are not in a class folder", log);
        foreach (var directoryName in ListClassFolders(imageDir, log))
        {
            log.Information("Looking for images in '{Folder:l}'", directoryName);
            var fileNames = ListImageFiles(imageDir, directoryName, log);
            foreach (var nested in ListClassFolders(PythonPath.Join(imageDir, directoryName)))
            {
                // A linked folder is looked at but not walked: a link to / would otherwise walk the whole file system.
                var nestedPath = PythonPath.Join(imageDir, directoryName, nested);
                WarnAboutIgnoredImages(
                    nestedPath, imageDir, recurse: new DirectoryInfo(nestedPath).LinkTarget is null, $"only the images directly in '{directoryName}' belong to its class", log);
            }

            if (fileNames.Count == 0)
            {
                log.Warning("No files found in '{Folder:l}'", directoryName);
                continue;
            }

            if (fileNames.Count < FewImagesWarningThreshold)
            {
                log.Warning("Folder has less than 20 images, which may cause issues: '{Folder:l}'", directoryName); // retrain.py's words first, for wrappers that grep them
            }
            else if (fileNames.Count > DatasetSplit.MaxImagesPerClass)
            {
                log.Warning(
                    "Folder '{Folder:l}' has more than {MaxImagesPerClass} images. Some images will never be selected.",
                    directoryName,
                    DatasetSplit.MaxImagesPerClass);
            }

            var label = ClassLabel.FromDirectoryName(directoryName);
            if (folderByLabel.TryGetValue(label, out var otherFolder))
            {
                throw new RetrainException(
                    ExitCode.BadDataset,
                    $"Folders '{otherFolder}' and '{directoryName}' in '{imageDir}' both get the label '{label}' (labels are "
                    + "lower-cased folder names with every run of characters other than a-z and 0-9 turned into one space). "
                    + "Rename or merge one of them.");
            }

            if (string.IsNullOrWhiteSpace(label))
            {
                log.Warning(
                    "Folder '{Folder:l}' gets a blank label: labels keep only the letters a-z and digits of a folder name (as retrain.py's do), and it has none, so label-image will print its photos' class as '{Label:l}'. Rename the folder with Latin letters or digits to give the class a name.",
                    directoryName,
                    label);
            }

            folderByLabel.Add(label, directoryName);
            classes.Add(Split(imageDir, directoryName, label, fileNames, testingPercentage, validationPercentage));
        }

        CheckClassCount(imageDir, classes);
        return new ImageLists(imageDir, classes);
    }

    private static ImageClass Split(
        string imageDir,
        string directoryName,
        string label,
        IReadOnlyList<string> fileNames,
        double testingPercentage,
        double validationPercentage)
    {
        var training = new List<string>();
        var validation = new List<string>();
        var testing = new List<string>();
        foreach (var fileName in fileNames)
        {
            var path = PythonPath.Join(imageDir, directoryName, fileName);
            var list = DatasetSplit.Assign(path, testingPercentage, validationPercentage) switch
            {
                DatasetPart.Validation => validation,
                DatasetPart.Testing => testing,
                _ => training,
            };
            list.Add(path);
        }

        return new ImageClass(label, directoryName, training, validation, testing);
    }

    private static List<string> ListClassFolders(string imageDir, ILogger? log = null)
    {
        var names = Enumerate(imageDir, () => Directory.EnumerateDirectories(imageDir).Select(Path.GetFileName).OfType<string>());
        if (log is not null)
        {
            names.RemoveAll(name => !Nameable(imageDir, name, "folder", log));
            WarnAboutBrokenFolderLinks(imageDir, log);
        }

        names.Sort(CodePointOrder.Instance);
        return names;
    }

    /// <summary>A symbolic link whose last target does not exist, or that loops (.NET's File.Exists says yes to both).</summary>
    private static bool LeadsNowhere(string path)
    {
        var link = new FileInfo(path);
        if (link.LinkTarget is null)
        {
            return false;
        }

        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true) is not { } target
                || !(Directory.Exists(target.FullName) || File.Exists(target.FullName));
        }
        catch (IOException)
        {
            return true; // too many levels of links: a loop
        }
    }

    /// <summary>
    /// A class folder that is a link to a missing place (an unmounted share) or a loop is not a folder, so it would drop
    /// out of the classes without a word; the user is told which and where it points.
    /// </summary>
    private static void WarnAboutBrokenFolderLinks(string imageDir, ILogger log)
    {
        List<string> broken;
        try
        {
            broken = Directory.EnumerateFileSystemEntries(imageDir)
                .Where(LeadsNowhere)
                .ToList();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return; // only a warning is at stake; the class folders themselves are listed strictly
        }

        broken.Sort(StringComparer.Ordinal);
        foreach (var link in broken)
        {
            log.Warning(
                "Ignoring '{Link:l}': it is a symbolic link to '{Target:l}', which does not exist or leads round in a loop, so it is not a class folder. Mount or fix what it points to, or remove the link.",
                link,
                new FileInfo(link).LinkTarget);
        }
    }

    private static List<string> ListImageFiles(string imageDir, string directoryName, ILogger log)
    {
        var folder = PythonPath.Join(imageDir, directoryName);
        var files = Enumerate(folder, () => Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>());
        var names = files.Where(HasImageExtension).ToList();
        names.RemoveAll(name => !Nameable(folder, name, "image", log));
        var otherPhotos = files.Where(IsOtherPhotoFormat).ToList();
        if (otherPhotos.Count > 0)
        {
            // retrain.py's glob skipped them without a word; a folder of iPhone HEICs then looks like an empty class.
            otherPhotos.Sort(StringComparer.Ordinal);
            log.Warning(
                "Ignoring {Count} {Photos:l} in '{Folder:l}' (e.g. '{Example:l}'): only .jpg, .jpeg and .png files are read. Convert them to use them, e.g. with ImageMagick: mogrify -format jpg *{Extension:l}",
                otherPhotos.Count,
                otherPhotos.Count == 1 ? "photo" : "photos",
                folder,
                otherPhotos[0],
                Path.GetExtension(otherPhotos[0]));
        }

        // retrain.py kept glob order, which depends on the file system; sorting makes every list reproducible.
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>
    /// .NET reads file names as UTF-8 and turns bytes that are not UTF-8 (a Latin-1 name from an old archive, say)
    /// into U+FFFD, so such a file cannot be opened by the name listed; it is left out with a warning that says so,
    /// instead of failing later as "does not exist".
    /// </summary>
    private static bool Nameable(string folder, string name, string what, ILogger log)
    {
        if (!name.Contains('\uFFFD', StringComparison.Ordinal) || Path.Exists(Path.Combine(folder, name)))
        {
            return true;
        }

        log.Warning(
            "Skipping {What:l} '{Name:l}' in '{Folder:l}': its name is not valid UTF-8 (shown with \uFFFD for the bytes that are not), so it cannot be opened by name. Rename it, e.g. with convmv -f latin1 -t utf8.",
            what,
            name,
            folder);
        return false;
    }

    /// <summary>
    /// retrain.py globbed only <c>image_dir/class/*.jpg</c>, so photos directly in the image folder or in folders below
    /// a class were silently left out; they still are (the classes stay retrain.py's), but the user is told.
    /// </summary>
    private static void WarnAboutIgnoredImages(string folder, string imageDir, bool recurse, string why, ILogger log)
    {
        // Symbolic links (reparse points) are skipped: followed, a link to a parent folder would loop until ELOOP.
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = recurse,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
        };
        int count;
        bool more;
        try
        {
            // Only a warning is at stake: a walk of a huge tree (a class folder linked to /) stops after a bound.
            var entries = Directory.EnumerateFileSystemEntries(folder, "*", options).Take(MaxEntriesWalkedForWarning + 1).ToList();
            more = entries.Count > MaxEntriesWalkedForWarning;
            count = entries.Take(MaxEntriesWalkedForWarning).Count(f => HasImageExtension(Path.GetFileName(f)) && File.Exists(f));
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return; // only a warning is at stake; the class folders themselves are listed strictly
        }

        if (count > 0)
        {
            log.Warning(
                "Ignoring {Count}{More:l} images in '{Folder:l}'{Below:l}: {Why:l}. Each immediate subfolder of " + Flags.ImageDir + " '{ImageDir:l}' is one class; move the images into one.",
                count,
                more ? " or more" : string.Empty,
                folder,
                recurse ? " and below" : string.Empty,
                why,
                imageDir);
        }
    }

    /// <summary>A photo format the decoders are not given (a .jpg in all but name is still decoded by its bytes).</summary>
    private static bool IsOtherPhotoFormat(string fileName)
    {
        var extension = Path.GetExtension(fileName);
        return OtherPhotoExtensions.Contains(extension) && !fileName.StartsWith('.');
    }

    /// <summary>A file retrain reads as a photo: .jpg, .jpeg or .png in any case (label-image's folders too).</summary>
    internal static bool HasImageExtension(string fileName)
    {
        var extension = Path.GetExtension(fileName.AsSpan());
        return extension.Equals(".jpg", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".jpeg", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".png", StringComparison.OrdinalIgnoreCase);
    }

    private static List<string> Enumerate(string folder, Func<IEnumerable<string>> list)
    {
        try
        {
            return list().ToList();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new RetrainException(
                ExitCode.BadDataset,
                $"Cannot list folder '{folder}': {ex.Message} Check that it exists and is readable.",
                ex);
        }
    }

    private static void CheckPercentages(double testingPercentage, double validationPercentage)
    {
        static bool InRange(double value) => value is >= 0 and <= 100;

        if (!InRange(testingPercentage) || !InRange(validationPercentage) || testingPercentage + validationPercentage > 100)
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.TestingPercentage} ({testingPercentage}) and {Flags.ValidationPercentage} ({validationPercentage}) must each "
                + "be between 0 and 100 and add up to at most 100.");
        }
    }

    // retrain.py's main() makes these checks right after create_image_lists.
    private static void CheckClassCount(string imageDir, List<ImageClass> classes)
    {
        const string Layout = $"Put each class's images (.jpg, .jpeg or .png) in its own subfolder of {Flags.ImageDir}, e.g. "
            + $"'flowers/daisy/1.jpg' and 'flowers/roses/2.jpg' with {Flags.ImageDir} flowers.";
        if (classes.Count == 0)
        {
            throw new RetrainException(
                ExitCode.BadDataset,
                $"No valid folders of images found at '{imageDir}'. {Layout}");
        }

        if (classes.Count == 1)
        {
            throw new RetrainException(
                ExitCode.BadDataset,
                $"Only one valid folder of images found at '{imageDir}' - multiple classes are needed for classification. "
                + $"Found only '{classes[0].DirectoryName}'. {Layout}");
        }
    }

    /// <summary>
    /// Refuses a split that leaves fewer than two classes any training image before a bottleneck is computed (they
    /// would all be computed first, and the failure then looks like one of decoding). When retrain.py's default
    /// percentages would leave enough, the percentages are the fault (a usage error); otherwise the folders are too small.
    /// </summary>
    /// <remarks>Not for a run that only caches bottlenecks: it computes every image's, whatever its part.</remarks>
    public static void EnsureTrainingPart(ImageLists lists, double testingPercentage, double validationPercentage)
    {
        ArgumentNullException.ThrowIfNull(lists);
        var (imageDir, classes) = (lists.ImageDir, lists.Classes);
        var withTraining = classes.Count(c => c.Training.Count > 0);
        if (withTraining >= 2)
        {
            return;
        }

        var given = $"{Flags.TestingPercentage} {testingPercentage.ToString(CultureInfo.InvariantCulture)} and {Flags.ValidationPercentage} {validationPercentage.ToString(CultureInfo.InvariantCulture)}";
        var atDefaults = classes.Count(c => c.Training.Concat(c.Validation).Concat(c.Testing)
            .Any(path => DatasetSplit.Assign(path, DefaultPercentage, DefaultPercentage) == DatasetPart.Training));
        if (atDefaults >= 2 && (testingPercentage, validationPercentage) != (DefaultPercentage, DefaultPercentage))
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"Nothing to train on: with {given}, only {withTraining} of {classes.Count} classes in '{imageDir}' keep any training image; " +
                $"the other images all go to testing and validation. Lower the two percentages (retrain.py's defaults, {DefaultPercentage} and {DefaultPercentage}, leave {atDefaults} classes training images).");
        }

        throw new RetrainException(
            ExitCode.BadDataset,
            $"Nothing to train on: with {given}, only {withTraining} of {classes.Count} classes in '{imageDir}' have any image in the training part. " +
            "Add images to the class folders: the split sends each image to training, validation or testing by a hash of its name, so a class needs several.");
    }
}
