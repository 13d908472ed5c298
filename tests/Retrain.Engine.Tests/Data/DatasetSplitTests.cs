using Retrain.Data;
using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Tests.Data;

public class DatasetSplitTests
{
    private const string AbsoluteName = "/tmp/flower_photos/daisy/100080576_f52e8ee070_n.jpg";
    private const string RelativeName = "flower_photos/daisy/100080576_f52e8ee070_n.jpg";

    [Fact]
    public void PercentageHash_AbsolutePath_MatchesPythonToTheLastBit()
    {
        Assert.True(DatasetSplit.PercentageHash(AbsoluteName) == 35.58859032085977);
    }

    [Fact]
    public void PercentageHash_RelativePath_MatchesPythonToTheLastBit()
    {
        Assert.True(DatasetSplit.PercentageHash(RelativeName) == 64.65381655584139);
    }

    [Fact]
    public void PercentageHash_IgnoresEverythingFromNoHash()
    {
        Assert.Equal(
            DatasetSplit.PercentageHash("plants/leaf/leaf17"),
            DatasetSplit.PercentageHash("plants/leaf/leaf17_nohash_3.jpg"));
        Assert.Equal(
            DatasetSplit.PercentageHash("plants/leaf/leaf17_nohash_3.jpg"),
            DatasetSplit.PercentageHash("plants/leaf/leaf17_nohash_0.jpg"));
        Assert.NotEqual(
            DatasetSplit.PercentageHash("plants/leaf/leaf17"),
            DatasetSplit.PercentageHash("plants/leaf/leaf18"));
    }

    [Fact]
    public void PercentageHash_StaysWithinZeroToHundred()
    {
        for (var i = 0; i < 2000; i++)
        {
            var percentage = DatasetSplit.PercentageHash($"images/class/{i}.jpg");
            Assert.InRange(percentage, 0.0, 100.0);
        }
    }

    [Fact]
    public void Assign_UsesStrictLessThanAtEachBoundary()
    {
        const double P = 64.65381655584139;
        Assert.Equal(DatasetPart.Training, DatasetSplit.Assign(RelativeName, 10, 10));
        Assert.Equal(DatasetPart.Validation, DatasetSplit.Assign(RelativeName, 0, 64.66));
        Assert.Equal(DatasetPart.Testing, DatasetSplit.Assign(RelativeName, 1, P));
        Assert.Equal(DatasetPart.Training, DatasetSplit.Assign(RelativeName, 0, P));
        Assert.Equal(DatasetPart.Testing, DatasetSplit.Assign(RelativeName, 64.66, 0));
    }

    [Fact]
    public void Assign_FlowerPhotosDev_MatchesRetrainPyCounts()
    {
        // The split depends only on the hashed string, never on the machine: hashing the relative names a user would
        // get from '--image_dir flower_photos_dev' gives the counts retrain.py's create_image_lists gives (computed with
        // Python from the same names, testing 10%, validation 10%).
        var root = SharedData.Path("datasets/flower_photos_dev");
        var expected = new Dictionary<string, (int Training, int Validation, int Testing)>
        {
            ["daisy"] = (121, 15, 14),
            ["dandelion"] = (121, 15, 14),
            ["roses"] = (127, 11, 12),
            ["sunflowers"] = (120, 19, 11),
            ["tulips"] = (127, 6, 17),
        };

        foreach (var (folder, counts) in expected)
        {
            var parts = Directory.EnumerateFiles(Path.Combine(root, folder))
                .Select(f => DatasetSplit.Assign($"flower_photos_dev/{folder}/{Path.GetFileName(f)}", 10, 10))
                .ToList();
            Assert.Equal(counts.Training, parts.Count(p => p == DatasetPart.Training));
            Assert.Equal(counts.Validation, parts.Count(p => p == DatasetPart.Validation));
            Assert.Equal(counts.Testing, parts.Count(p => p == DatasetPart.Testing));
        }
    }
}
