using Retrain.Images;
using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

/// <summary>The draws of retrain.py's add_input_distortions: sizes, offsets, flips and brightness in their ranges.</summary>
public class DistortionSettingsTests
{
    private static List<Distortion> Draws(DistortionSettings settings, int count = 2000, int seed = 1)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => settings.Draw(rng, 224, 224))];
    }

    [Fact]
    public void NoFlags_DrawTheIdentity()
    {
        Assert.False(DistortionSettings.None.Any);
        Assert.All(Draws(DistortionSettings.None, 50), d => Assert.Equal(Distortion.Identity(224, 224), d));
    }

    [Fact]
    public void RandomCrop_ResizesByTheMarginAndCutsAtEveryOffset()
    {
        var draws = Draws(new DistortionSettings(RandomCrop: 10));

        // 1.1f * 224 = 246.4 -> 246 (tf.cast truncates); offsets 0..22 inclusive, as tf.random_crop picks them.
        Assert.All(draws, d => Assert.Equal((246, 246), (d.PrecropHeight, d.PrecropWidth)));
        Assert.Equal(Enumerable.Range(0, 23), draws.Select(d => d.OffsetY).Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 23), draws.Select(d => d.OffsetX).Distinct().Order());
        Assert.All(draws, d => Assert.False(d.Flip));
        Assert.All(draws, d => Assert.Equal(1.0f, d.Brightness));
    }

    [Fact]
    public void RandomScale_ScalesUpByUpToThePercentage_AndTheWindowAlwaysFits()
    {
        var draws = Draws(new DistortionSettings(RandomCrop: 5, RandomScale: 50));

        Assert.All(draws, d =>
        {
            Assert.InRange(d.PrecropHeight, 235, (int)(1.05f * 1.5f * 224));
            Assert.Equal(d.PrecropHeight, d.PrecropWidth);
            Assert.InRange(d.OffsetY, 0, d.PrecropHeight - 224);
            Assert.InRange(d.OffsetX, 0, d.PrecropWidth - 224);
        });
        Assert.True(draws.Max(d => d.PrecropHeight) > 340 && draws.Min(d => d.PrecropHeight) < 245, "sizes spread over the range");
    }

    [Fact]
    public void FlipLeftRight_MirrorsAboutHalfTheImages()
    {
        var flipped = Draws(new DistortionSettings(FlipLeftRight: true)).Count(d => d.Flip);
        Assert.InRange(flipped, 900, 1100);
    }

    [Fact]
    public void RandomBrightness_MultipliesByAFactorWithinThePercentage()
    {
        var factors = Draws(new DistortionSettings(RandomBrightness: 30)).Select(d => d.Brightness).ToList();
        Assert.All(factors, f => Assert.InRange(f, 0.7f, 1.3f));
        Assert.True(factors.Min() < 0.72f && factors.Max() > 1.28f, $"{factors.Min()}..{factors.Max()}");
        Assert.InRange(factors.Average(), 0.98, 1.02);
    }

    [Fact]
    public void ASeed_NamesTheSameDistortions_WhicheverFlagsAreSet()
    {
        Assert.Equal(Draws(new DistortionSettings(true, 10, 10, 10), 100, seed: 7), Draws(new DistortionSettings(true, 10, 10, 10), 100, seed: 7));
        var flipOnly = Draws(new DistortionSettings(FlipLeftRight: true), 100, seed: 7);
        var all = Draws(new DistortionSettings(true, 10, 10, 10), 100, seed: 7);
        Assert.Equal(flipOnly.Select(d => d.Flip), all.Select(d => d.Flip));
    }

    [Fact]
    public void Describe_NamesTheFlagsInUse()
    {
        Assert.Equal("flip left-right, crop 10%, scale 20%, brightness 30%", new DistortionSettings(true, 10, 20, 30).Describe());
        Assert.Equal("none", DistortionSettings.None.Describe());
    }
}
