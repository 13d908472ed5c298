using Retrain.Images;

namespace Retrain.Training;

/// <summary>
/// retrain.py's distortion flags (<c>--flip_left_right</c>, <c>--random_crop</c>, <c>--random_scale</c>,
/// <c>--random_brightness</c>, percentages as in retrain.py). With any of them set, every training step runs its batch
/// of freshly distorted photos through the backbone instead of reading cached vectors (retrain.py's
/// <c>should_distort_images</c>).
/// </summary>
internal sealed record DistortionSettings(
    bool FlipLeftRight = false,
    int RandomCrop = 0,
    int RandomScale = 0,
    int RandomBrightness = 0)
{
    public static DistortionSettings None { get; } = new();

    /// <summary>retrain.py's <c>should_distort_images</c>.</summary>
    public bool Any => FlipLeftRight || RandomCrop != 0 || RandomScale != 0 || RandomBrightness != 0;

    /// <summary>"flip, crop 10%, scale 10%, brightness 10%" for the log; "none" when <see cref="Any"/> is false.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (FlipLeftRight)
        {
            parts.Add("flip left-right");
        }

        if (RandomCrop != 0)
        {
            parts.Add($"crop {RandomCrop}%");
        }

        if (RandomScale != 0)
        {
            parts.Add($"scale {RandomScale}%");
        }

        if (RandomBrightness != 0)
        {
            parts.Add($"brightness {RandomBrightness}%");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>
    /// Draws one image's distortion the way retrain.py's <c>add_input_distortions</c> graph does on every run of it:
    /// the image is resized to (1 + crop%) x U(1, 1 + scale%) times the input size (float32, truncated to whole
    /// pixels as <c>tf.cast</c> does), a window of the input size is cut at a uniformly random offset
    /// (<c>tf.random_crop</c>), mirrored with probability 1/2 (<c>random_flip_left_right</c>) and its pixel values
    /// multiplied by U(1 - brightness%, 1 + brightness%). Always makes the same five draws, whatever the flags, so a
    /// seed names the same distortions whichever flags are set.
    /// </summary>
    public Distortion Draw(Random rng, int inputHeight, int inputWidth)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        var scaleDraw = (float)rng.NextDouble();
        var offsetYDraw = rng.NextDouble();
        var offsetXDraw = rng.NextDouble();
        var flipDraw = rng.NextDouble();
        var brightnessDraw = (float)rng.NextDouble();

        var marginScale = 1.0f + (RandomCrop / 100.0f);
        var resizeScale = 1.0f + (scaleDraw * (RandomScale / 100.0f));
        var scale = marginScale * resizeScale;
        var precropHeight = Math.Max(inputHeight, (int)(scale * inputHeight));
        var precropWidth = Math.Max(inputWidth, (int)(scale * inputWidth));
        var offsetY = (int)(offsetYDraw * (precropHeight - inputHeight + 1));
        var offsetX = (int)(offsetXDraw * (precropWidth - inputWidth + 1));
        var brightness = 1.0f + ((RandomBrightness / 100.0f) * ((2 * brightnessDraw) - 1));
        return new Distortion(
            precropHeight,
            precropWidth,
            offsetY,
            offsetX,
            FlipLeftRight && flipDraw < 0.5,
            RandomBrightness != 0 ? brightness : 1.0f);
    }
}
