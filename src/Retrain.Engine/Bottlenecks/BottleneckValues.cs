using System.Globalization;
using Retrain.Backbones;
using Retrain.Errors;
using Retrain.Graphs;

namespace Retrain.Bottlenecks;

/// <summary>
/// The rule that a bottleneck vector holds only finite numbers. A NaN or infinity comes from the model or the
/// preprocessing, not from one photo (a damaged graph, or an --input_std so small that (pixel - mean) / std
/// overflows), and training on it ends in "Training diverged", which blames the learning rate: so a computed one
/// stops the run, naming the model and the preprocessing, before it reaches the cache or the trainer.
/// </summary>
internal static class BottleneckValues
{
    public static bool AreFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Throws <see cref="ExitCode.BadModel"/> when one of the vectors <paramref name="model"/> computed, of
    /// <see cref="LoadedModel.OutputLength"/> values each, is not finite; <paramref name="imageOf"/> names the photo of
    /// a vector by its position.
    /// </summary>
    public static void EnsureFinite(ReadOnlySpan<float> vectors, LoadedModel model, Func<int, string> imageOf)
    {
        if (AreFinite(vectors))
        {
            return;
        }

        var length = model.OutputLength;
        var first = 0;
        while (AreFinite(vectors.Slice(first * length, length)))
        {
            first++;
        }

        var d = model.Description;
        var preprocessing = string.Create(CultureInfo.InvariantCulture, $"{Flags.InputMean} {d.InputMean:R} and {Flags.InputStd} {d.InputStd:R}");
        throw new RetrainException(
            ExitCode.BadModel,
            $"The model '{d.Path}' computed a bottleneck ('{d.OutputNode}') that is not all finite numbers (NaN or infinity) for '{imageOf(first)}'. " +
            "This comes from the model or the preprocessing, not the photo: the model file may be damaged (re-download or re-export it), " +
            $"or {preprocessing} do not suit it (each pixel becomes (value - mean) / std, and a tiny {Flags.InputStd} overflows). " +
            "Nothing was trained, and no such vector was cached.");
    }
}
