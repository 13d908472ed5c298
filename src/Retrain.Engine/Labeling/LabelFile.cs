using Retrain.Errors;
using Retrain.IO;

namespace Retrain;

/// <summary>
/// Reads a labels file: one label per line (output_labels.txt), or `index:name` lines as in the MobileNet
/// labels.txt files. Without a file, labels are the class indices.
/// </summary>
internal static class LabelFile
{
    /// <summary>
    /// A labels file above this is not one: a million classes of 60-character names fit. The cap keeps a huge file or
    /// a link to a device from exhausting memory.
    /// </summary>
    internal const long MaxBytes = 64L << 20;

    private static readonly InputRole Role = new(
        $"labels file (label-image {Flags.Labels})",
        ExitCode.BadModel,
        "Pass the output_labels.txt written with the graph: a regular text file, one label per line.");

    public static string[] Read(string? path, int classCount)
    {
        if (path is null)
        {
            return Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        var lines = Lines(InputFile.ReadAllText(path, Role, MaxBytes));

        // A trailing empty line is how retrain writes the file; blank lines elsewhere would shift every label.
        var count = lines.Count;
        while (count > 0 && lines[count - 1].Length == 0)
        {
            count--;
        }

        // Trailing spaces go, as label_image.py's load_labels rstrips each line: a folder named 'daisy_' has the label
        // 'daisy ' (retrain.py's create_image_lists), printed 'daisy 0.91', not with two spaces.
        var labels = lines.Take(count).Select(l => StripIndex(l).TrimEnd()).ToArray();
        if (labels.Length != classCount)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Labels file '{path}' has {labels.Length} labels but the graph outputs {classCount} scores. Pass the labels file written with this graph.");
        }

        return labels;
    }

    private static List<string> Lines(string text)
    {
        // As File.ReadAllLines splits: at \n, \r or \r\n, with no empty line after a final line break.
        var lines = new List<string>();
        using var reader = new StringReader(text);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lines.Add(line);
        }

        return lines;
    }

    private static string StripIndex(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && line.AsSpan(0, colon).IndexOfAnyExceptInRange('0', '9') < 0 ? line[(colon + 1)..] : line;
    }
}
