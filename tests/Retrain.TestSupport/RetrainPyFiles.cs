using System.Globalization;

namespace Retrain.Tests.TestSupport;

/// <summary>Bottleneck files laid out and written as retrain.py's `create_bottleneck_file` writes them.</summary>
public static class RetrainPyFiles
{
    /// <summary>
    /// Writes &lt;root&gt;/&lt;class folder of image&gt;/&lt;image file name&gt;&lt;suffix&gt;.txt holding the values joined by
    /// ',' (retrain.py's `','.join(str(x) for x in values)`). Returns the file's path.
    /// </summary>
    public static string Write(string root, string image, string suffix, float[] vector)
    {
        var folder = Path.Combine(root, Path.GetFileName(Path.GetDirectoryName(image))!);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, Path.GetFileName(image) + suffix + ".txt");
        File.WriteAllText(file, string.Join(',', vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        return file;
    }
}
