using Retrain.Data;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Data;

public class ImageListBuilderTests
{
    [Fact]
    public void Create_ListsClassFoldersInOrderWithLabels()
    {
        using var dir = new TempFolder();
        dir.Images("tulips", 25);
        dir.Images("Daisy", 25);
        dir.Images("red_roses", 25);
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, log.Logger);

        Assert.Equal(3, lists.ClassCount);
        Assert.Equal(["Daisy", "red_roses", "tulips"], lists.Classes.Select(c => c.DirectoryName));
        Assert.Equal(["daisy", "red roses", "tulips"], lists.Labels);
        Assert.All(lists.Classes, c => Assert.Equal(25, c.ImageCount));
        Assert.Equal(dir.Path, lists.ImageDir);
        Assert.Empty(log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Create_AcceptsImageExtensionsInAnyCaseAndIgnoresOtherFiles()
    {
        using var dir = new TempFolder();
        foreach (var name in new[] { "a.jpg", "b.JPG", "c.Jpeg", "d.JPEG", "e.png", "f.PNG", "g.gif", "h.txt", "jpg", "i.jpg.bak" })
        {
            dir.File(Path.Combine("one", name));
        }

        dir.Images("two", 3);
        dir.File(Path.Combine("two", "nested", "deep.jpg"));
        dir.File("loose.jpg");

        var lists = ImageListBuilder.Create(dir.Path, 0, 0, new LogCapture().Logger);

        var one = lists.Classes[0];
        Assert.Equal(
            new[] { "a.jpg", "b.JPG", "c.Jpeg", "d.JPEG", "e.png", "f.PNG" }.Select(n => dir.Path + "/one/" + n),
            one.Training);
        Assert.Equal(3, lists.Classes[1].ImageCount);
    }

    [Fact]
    public void Create_EveryImageLandsInTheOnePartItsPathHashesTo()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 300);
        dir.Images("dogs", 300, ".png");

        var lists = ImageListBuilder.Create(dir.Path, 20, 15, new LogCapture().Logger);

        foreach (var imageClass in lists.Classes)
        {
            Assert.Equal(300, imageClass.ImageCount);
            foreach (var part in Enum.GetValues<DatasetPart>())
            {
                var paths = imageClass.Part(part);
                Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
                Assert.All(paths, p => Assert.Equal(part, DatasetSplit.Assign(p, 20, 15)));
            }

            // With 300 images, each part gets roughly its share: a sanity check that the split is not degenerate.
            Assert.InRange(imageClass.Validation.Count, 20, 80);
            Assert.InRange(imageClass.Testing.Count, 30, 100);
        }
    }

    [Fact]
    public void Create_HashesTheImageDirAsGiven_RelativeOrWithTrailingSlash()
    {
        using var dir = new TempFolder();
        dir.Images("a", 40);
        dir.Images("b", 40);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, dir.Path);

        var fromRelative = ImageListBuilder.Create(relative, 10, 10, new LogCapture().Logger);
        var fromSlash = ImageListBuilder.Create(dir.Path + "/", 10, 10, new LogCapture().Logger);

        var first = fromRelative.Classes[0];
        Assert.All(first.Training.Concat(first.Validation).Concat(first.Testing), p => Assert.StartsWith(relative + "/a/img", p));
        foreach (var (imageClass, part) in fromRelative.Classes.SelectMany(c => Enum.GetValues<DatasetPart>().Select(p => (c, p))))
        {
            Assert.All(imageClass.Part(part), p => Assert.Equal(part, DatasetSplit.Assign(p, 10, 10)));
        }

        // No doubled separator: the trailing-slash form names the same files as the plain absolute form.
        Assert.All(fromSlash.Classes[1].Training, p => Assert.StartsWith(dir.Path + "/b/img", p));
    }

    [Fact]
    public void Create_SameFolderTwice_GivesIdenticalLists()
    {
        using var dir = new TempFolder();
        dir.Images("x", 120);
        dir.Images("y", 80);

        var first = ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger);
        var second = ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger);

        Assert.Equal(first.Labels, second.Labels);
        for (var i = 0; i < first.ClassCount; i++)
        {
            foreach (var part in Enum.GetValues<DatasetPart>())
            {
                Assert.Equal(first.Classes[i].Part(part), second.Classes[i].Part(part));
            }
        }
    }

    [Fact]
    public void Create_SkipsEmptyFolderAndWarnsAboutSmallOne()
    {
        using var dir = new TempFolder();
        dir.Images("big", 20);
        dir.Images("small", 19);
        dir.File(Path.Combine("notes", "readme.txt"));
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, log.Logger);

        Assert.Equal(["big", "small"], lists.Labels);
        Assert.Equal(
            ["No files found in 'notes'", "Folder has less than 20 images, which may cause issues: 'small'"],
            log.Messages(LogEventLevel.Warning));
        Assert.Contains("Looking for images in 'big'", log.Messages(LogEventLevel.Information));
    }

    [Fact]
    public void Create_PhotosInFormatsNotRead_AreNamedInAWarningPerFolder()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 20);
        dir.Images("dogs", 20);
        dir.File(Path.Combine("cats", "IMG_0002.HEIC"));
        dir.File(Path.Combine("cats", "IMG_0001.HEIC"));
        dir.File(Path.Combine("cats", ".thumb.webp"));
        dir.File(Path.Combine("birds", "robin.bmp"));
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, log.Logger);

        Assert.Equal(["cats", "dogs"], lists.Labels);
        Assert.Equal(
            [
                $"Ignoring 1 photo in '{Path.Combine(dir.Path, "birds")}' (e.g. 'robin.bmp'): only .jpg, .jpeg and .png files are read. Convert them to use them, e.g. with ImageMagick: mogrify -format jpg *.bmp",
                "No files found in 'birds'",
                $"Ignoring 2 photos in '{Path.Combine(dir.Path, "cats")}' (e.g. 'IMG_0001.HEIC'): only .jpg, .jpeg and .png files are read. Convert them to use them, e.g. with ImageMagick: mogrify -format jpg *.HEIC",
            ],
            log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Create_ClassFolderLinksThatLeadNowhere_AreNamedInAWarning()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 20);
        dir.Images("dogs", 20);
        var dangling = Path.Combine(dir.Path, "birds");
        File.CreateSymbolicLink(dangling, "/no/such/share/birds");
        var loop = Path.Combine(dir.Path, "loop");
        File.CreateSymbolicLink(loop, "loop");
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, log.Logger);

        Assert.Equal(["cats", "dogs"], lists.Labels);
        Assert.Equal(
            [
                $"Ignoring '{dangling}': it is a symbolic link to '/no/such/share/birds', which does not exist or leads round in a loop, so it is not a class folder. Mount or fix what it points to, or remove the link.",
                $"Ignoring '{loop}': it is a symbolic link to 'loop', which does not exist or leads round in a loop, so it is not a class folder. Mount or fix what it points to, or remove the link.",
            ],
            log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Create_AFolderNameWithNoLatinLetterOrDigit_GetsABlankLabelAndAWarning()
    {
        using var dir = new TempFolder();
        dir.Images("cats", 20);
        dir.Images("日本", 20);
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, log.Logger);

        Assert.Equal(["cats", " "], lists.Labels);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.StartsWith("Folder '日本' gets a blank label", StringComparison.Ordinal));
    }

    [Fact]
    public void EnsureTrainingPart_PercentagesThatLeaveNoTrainingImages_AreAUsageError()
    {
        // Names whose hash keeps them out of training at 95/4.9 (most do, not all), 20 per class: at retrain.py's
        // 10/10, some are training images wherever the temporary folder is.
        using var dir = new TempFolder();
        foreach (var folder in new[] { "cats", "dogs" })
        {
            foreach (var name in Enumerable.Range(0, 100).Select(i => $"p{i}.jpg")
                .Where(n => DatasetSplit.Assign(Path.Combine(dir.Path, folder, n), 95, 4.9) != DatasetPart.Training).Take(20))
            {
                dir.File(Path.Combine(folder, name));
            }
        }

        var lists = ImageListBuilder.Create(dir.Path, 95, 4.9, new LogCapture().Logger);
        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.EnsureTrainingPart(lists, 95, 4.9));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.StartsWith($"Nothing to train on: with --testing_percentage 95 and --validation_percentage 4.9, only 0 of 2 classes in '{dir.Path}' keep any training image;", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(retrain.py's defaults, 10 and 10, leave 2 classes training images).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureTrainingPart_ClassesTooSmallForATrainingImage_AreABadDataset()
    {
        // One photo each, whose name hashes to testing at the defaults: no percentage is to blame.
        using var dir = new TempFolder();
        var names = Enumerable.Range(0, 1000).Select(i => $"p{i}.jpg")
            .Where(n => DatasetSplit.Assign(Path.Combine(dir.Path, "cats", n), 10, 10) == DatasetPart.Testing
                && DatasetSplit.Assign(Path.Combine(dir.Path, "dogs", n), 10, 10) == DatasetPart.Testing)
            .First();
        dir.File(Path.Combine("cats", names), "x");
        dir.File(Path.Combine("dogs", names), "x");

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger);
        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.EnsureTrainingPart(lists, 10, 10));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.StartsWith("Nothing to train on: with --testing_percentage 10 and --validation_percentage 10, only 0 of 2 classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MissingFolder_IsBadDataset()
    {
        var missing = Path.Combine(Path.GetTempPath(), "retrain-no-such-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.Create(missing, 10, 10, new LogCapture().Logger));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.StartsWith($"Image directory '{missing}' not found", error.Message);
        Assert.Contains("--image_dir", error.Message);
    }

    [Fact]
    public void Create_FileInsteadOfFolder_IsBadDataset()
    {
        using var dir = new TempFolder();
        var file = dir.File("photo.jpg");

        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.Create(file, 10, 10, new LogCapture().Logger));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.Contains("is a file, not a folder", error.Message);
    }

    [Fact]
    public void Create_NoClassFolders_IsBadDataset()
    {
        using var dir = new TempFolder();
        dir.File("loose.jpg");
        dir.File(Path.Combine("empty", "notes.txt"));

        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.StartsWith($"No valid folders of images found at '{dir.Path}'", error.Message);
        Assert.Contains("subfolder", error.Message);
    }

    [Fact]
    public void Create_OneClass_IsBadDataset()
    {
        using var dir = new TempFolder();
        dir.Images("only", 30);

        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.StartsWith(
            $"Only one valid folder of images found at '{dir.Path}' - multiple classes are needed for classification.",
            error.Message);
        Assert.Contains("'only'", error.Message);
    }

    [Fact]
    public void Create_TwoFoldersWithOneLabel_IsBadDatasetNamingBoth()
    {
        using var dir = new TempFolder();
        dir.Images("Red Roses", 25);
        dir.Images("red_roses", 25);

        var error = Assert.Throws<RetrainException>(() => ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger));

        Assert.Equal(ExitCode.BadDataset, error.Code);
        Assert.Contains("'Red Roses'", error.Message);
        Assert.Contains("'red_roses'", error.Message);
        Assert.Contains("'red roses'", error.Message);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(10, double.NaN)]
    [InlineData(60, 50)]
    public void Create_ImpossiblePercentages_IsUsageError(double testing, double validation)
    {
        using var dir = new TempFolder();
        dir.Images("a", 3);
        dir.Images("b", 3);

        var error = Assert.Throws<RetrainException>(
            () => ImageListBuilder.Create(dir.Path, testing, validation, new LogCapture().Logger));

        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Contains("--testing_percentage", error.Message);
    }

    [Fact]
    public void Create_FlowerPhotosDev_FindsFiveClassesOf150()
    {
        var root = SharedData.Path("datasets/flower_photos_dev");
        var log = new LogCapture();

        var lists = ImageListBuilder.Create(root, 10, 10, log.Logger);

        Assert.Equal(["daisy", "dandelion", "roses", "sunflowers", "tulips"], lists.Labels);
        Assert.All(lists.Classes, c => Assert.Equal(150, c.ImageCount));
        Assert.All(lists.Classes, c => Assert.NotEmpty(c.Validation));
        Assert.All(lists.Classes, c => Assert.NotEmpty(c.Testing));
        Assert.Equal(750, Enum.GetValues<DatasetPart>().Sum(lists.Count));
        Assert.Empty(log.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public void Images_ListsAPartClassByClassInOrder()
    {
        using var dir = new TempFolder();
        dir.Images("a", 30);
        dir.Images("b", 30);

        var lists = ImageListBuilder.Create(dir.Path, 10, 10, new LogCapture().Logger);
        var images = lists.Images(DatasetPart.Training).ToList();

        Assert.Equal(lists.Count(DatasetPart.Training), images.Count);
        Assert.Equal(lists.Classes[0].Training.Concat(lists.Classes[1].Training), images.Select(i => i.Path));
        Assert.Equal(
            Enumerable.Repeat(0, lists.Classes[0].Training.Count).Concat(Enumerable.Repeat(1, lists.Classes[1].Training.Count)),
            images.Select(i => i.ClassIndex));
    }
}
