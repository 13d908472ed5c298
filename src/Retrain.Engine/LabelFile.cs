using Retrain.Errors;

namespace Retrain;

/// <summary>
/// Reads a labels file: one label per line (output_labels.txt), or `index:name` lines as in the MobileNet
/// labels.txt files. Without a file, labels are the class indices.
/// </summary>
public static class LabelFile
{
    public static string[] Read(string? path, int classCount)
    {
        if (path is null)
        {
            return Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.BadModel, $"Cannot read labels file '{path}': {e.Message}", e);
        }

        // A trailing empty line is how retrain writes the file; blank lines elsewhere would shift every label.
        var count = lines.Length;
        while (count > 0 && lines[count - 1].Length == 0)
        {
            count--;
        }

        var labels = lines.Take(count).Select(StripIndex).ToArray();
        if (labels.Length != classCount)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Labels file '{path}' has {labels.Length} labels but the graph outputs {classCount} scores. Pass the labels file written with this graph.");
        }

        return labels;
    }

    private static string StripIndex(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && line.AsSpan(0, colon).IndexOfAnyExceptInRange('0', '9') < 0 ? line[(colon + 1)..] : line;
    }
}
