using Retrain.Bottlenecks;
using Retrain.Errors;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Bottlenecks;

/// <summary>
/// retrain.py's own bottleneck files (<see cref="RetrainPyBottlenecks"/>): the three file name styles its versions
/// used are found from the files, and a folder that cannot be trusted is refused or skipped file by file.
/// </summary>
public class RetrainPyBottlenecksTests
{
    private const int Length = 4;

    // Image names with underscores and dots, as flower_photos has: the suffix must still be told from the name.
    // The class folder as it is on disk, not retrain.py's label ("sun flowers"): its files went under the folder's name.
    private static readonly string[] Images =
        ["/data/flowers/daisy/100080576_f52e8ee070_n.jpg", "/data/flowers/daisy/a.b_c.jpg", "/data/flowers/Sun_Flowers/x_nohash_1.png"];

    [Theory]
    [InlineData("")]
    [InlineData("_inception_v3")]
    [InlineData("_https~tfhub.dev~google~imagenet~inception_v3~feature_vector~1")]
    public void Open_FindsTheSuffixOfEachRetrainPyVersion_AndReadsTheVectors(string suffix)
    {
        using var dir = new TempFolder();
        for (var i = 0; i < Images.Length; i++)
        {
            RetrainPyFiles.Write(dir.Path, Images[i], suffix, Vector(i));
        }

        var log = new LogCapture();
        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, log.Logger);

        Assert.Equal(suffix, files.Suffix);
        for (var i = 0; i < Images.Length; i++)
        {
            var read = new float[Length];
            Assert.True(files.TryRead(Images[i], read));
            Assert.Equal(Vector(i), read);
        }

        Assert.Equal(Images.Length, files.Imported);
        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.Contains("3 of the 3 images have one", StringComparison.Ordinal));
    }

    [Fact]
    public void TryRead_NumbersAsPythonPrintsThem_AreRead()
    {
        using var dir = new TempFolder();
        var file = RetrainPyFiles.Write(dir.Path, Images[0], string.Empty, Vector(0));
        File.WriteAllText(file, "0.12345679,1e-05,-0.0,1.2345679e+20\n");
        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger);

        var read = new float[Length];
        Assert.True(files.TryRead(Images[0], read));

        Assert.Equal([0.12345679f, 1e-05f, -0f, 1.2345679e+20f], read);
    }

    [Fact]
    public void TryRead_ImageWithoutAFile_IsFalse_AndACutOffFileIsWarnedAboutAndNotUsed()
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], "_inception_v3", Vector(0));
        var cut = Path.Combine(dir.Path, "daisy", "a.b_c.jpg_inception_v3.txt");
        File.WriteAllText(cut, "0.25,-1.5,3.");
        var log = new LogCapture();
        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, log.Logger);

        var read = new float[Length];
        Assert.False(files.TryRead(Images[1], read));
        Assert.False(files.TryRead(Images[2], read));
        Assert.True(files.TryRead(Images[0], read));
        Assert.Equal(1, files.Imported);
        var warning = Assert.Single(log.Messages(LogEventLevel.Warning));
        Assert.Contains(cut, warning, StringComparison.Ordinal);
        Assert.Contains("holds 3 values, the bottleneck has 4", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,2,nan,4", "value 3")]
    [InlineData("1,2,x,4", "value 3 ('x')")]
    [InlineData("", "value 1")]
    [InlineData("1,2,3,4,5", "holds 5 values")]
    [InlineData("1,\u0007\u001b[2J\u0000binary garbage that goes on and on and on", "value 2 ('??[2J?binary garbage tha... (47 characters)')")]
    public void TryRead_FileThatIsNotOneFiniteVector_IsNotUsed(string text, string reason)
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], string.Empty, Vector(0));
        File.WriteAllText(Path.Combine(dir.Path, "daisy", "a.b_c.jpg.txt"), text);
        var log = new LogCapture();
        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, log.Logger);

        Assert.False(files.TryRead(Images[1], new float[Length]));
        Assert.Contains(reason, Assert.Single(log.Messages(LogEventLevel.Warning)), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FilesOfAnotherLength_IsABadModelErrorNamingTheFileBeforeAnyWork()
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], "_inception_v3", new float[2048]);

        var e = Assert.Throws<RetrainException>(() => RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("100080576_f52e8ee070_n.jpg_inception_v3.txt", e.Message, StringComparison.Ordinal);
        Assert.Contains("holds 2048 values, but this model's bottleneck has 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FirstFileCutOffByAKilledRun_DoesNotMakeTheFolderLookLikeAnotherModel()
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], "_inception_v3", Vector(0));
        RetrainPyFiles.Write(dir.Path, Images[1], "_inception_v3", Vector(1));
        var first = Path.Combine(dir.Path, "daisy", "100080576_f52e8ee070_n.jpg_inception_v3.txt");
        File.WriteAllText(first, File.ReadAllText(first)[..6]);

        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger);

        Assert.False(files.TryRead(Images[0], new float[Length]));
        Assert.True(files.TryRead(Images[1], new float[Length]));
    }

    [Fact]
    public void Open_FilesOfTwoModels_AsksForASuffix_AndUsesTheOneGiven()
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], "_inception_v3", Vector(1));
        RetrainPyFiles.Write(dir.Path, Images[0], "_mobilenet_0.25_224", Vector(2));
        RetrainPyFiles.Write(dir.Path, Images[1], "_mobilenet_0.25_224", Vector(3));

        var e = Assert.Throws<RetrainException>(() => RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("'_mobilenet_0.25_224' (2 images), '_inception_v3' (1 images)", e.Message, StringComparison.Ordinal);
        Assert.Contains("--retrain_py_bottleneck_suffix '_mobilenet_0.25_224'", e.Message, StringComparison.Ordinal);

        // The run's --architecture picks the files named for it.
        var named = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger, architecture: "inception_v3");
        Assert.Equal("_inception_v3", named.Suffix);

        var files = RetrainPyBottlenecks.Open(dir.Path, "_inception_v3", Images, Length, new LogCapture().Logger);
        var read = new float[Length];
        Assert.True(files.TryRead(Images[0], read));
        Assert.Equal(Vector(1), read);
        Assert.False(files.TryRead(Images[1], read));
    }

    [Theory]
    [InlineData("mobilenet_1.0_224", 224, false, "this run's model is mobilenet_1.0_224")]
    [InlineData(null, 224, false, "this run's model takes 224x224 images")]
    [InlineData("mobilenet_0.25_224", 224, true, "this run's model is mobilenet_0.25_224")]
    [InlineData(null, 224, true, "this run's model takes 224x224 images")]
    public void Open_FilesNamedForAnotherModelOfTheSameLength_IsABadModelError(string? architecture, int inputSize, bool suffixGiven, string reason)
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], "_mobilenet_0.25_128", Vector(0));

        var e = Assert.Throws<RetrainException>(
            () => RetrainPyBottlenecks.Open(dir.Path, suffixGiven ? "_mobilenet_0.25_128" : null, Images, Length, new LogCapture().Logger, architecture, inputSize));

        Assert.Equal(ExitCode.BadModel, e.Code);
        Assert.Contains("named for mobilenet_0.25_128", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal("_mobilenet_0.25_128", RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger, inputSize: 128).Suffix);
    }

    [Fact]
    public void Open_SuffixGivenThatNoFileHas_WarnsListingTheSuffixesThere()
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], "_inception_v3", Vector(0));
        var log = new LogCapture();

        var files = RetrainPyBottlenecks.Open(dir.Path, "inception_v3", Images, Length, log.Logger);

        Assert.False(files.TryRead(Images[0], new float[Length]));
        var warning = Assert.Single(log.Messages(LogEventLevel.Warning));
        Assert.Contains("'<file name>\"inception_v3\".txt'", warning, StringComparison.Ordinal);
        Assert.Contains("'_inception_v3'", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_RejectedFile_LeavesTheDestinationUntouched()
    {
        using var dir = new TempFolder();
        RetrainPyFiles.Write(dir.Path, Images[0], string.Empty, Vector(0));
        File.WriteAllText(Path.Combine(dir.Path, "daisy", "a.b_c.jpg.txt"), "7,8,9,x");
        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, new LogCapture().Logger);

        var slot = new float[Length];
        Assert.False(files.TryRead(Images[1], slot));

        Assert.All(slot, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Open_FolderWithNoFileForTheseImages_WarnsAndReadsNothing()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(Path.Combine(dir.Path, "daisy"));
        File.WriteAllText(Path.Combine(dir.Path, "daisy", "other.jpg_inception_v3.txt"), "1,2,3,4");
        var log = new LogCapture();

        var files = RetrainPyBottlenecks.Open(dir.Path, null, Images, Length, log.Logger);

        Assert.False(files.TryRead(Images[0], new float[Length]));
        var warning = Assert.Single(log.Messages(LogEventLevel.Warning));
        Assert.Contains("No retrain.py bottleneck file for any of the 3 images", warning, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(dir.Path, "daisy", "100080576_f52e8ee070_n.jpg.txt"), warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingFolder_IsAUsageErrorNamingTheFlag()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-retrain-py-cache-" + Guid.NewGuid().ToString("N"));

        var e = Assert.Throws<RetrainException>(() => RetrainPyBottlenecks.Open(missing, null, Images, Length, new LogCapture().Logger));

        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--retrain_py_bottleneck_dir", e.Message, StringComparison.Ordinal);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    private static float[] Vector(int seed) => [seed + 0.5f, -1.25e-5f * (seed + 1), 3f, 1e6f + seed];
}
