namespace Retrain.Data;

/// <summary>
/// Python's <c>posixpath.join</c>, because the dataset split hashes the path string exactly as retrain.py built it
/// (<c>os.path.join(image_dir, dir_name, file_name)</c>); <see cref="System.IO.Path.Combine(string, string)"/> differs
/// on Windows and for some edge cases, and any difference moves images between parts.
/// </summary>
internal static class PythonPath
{
    public static string Join(string first, params ReadOnlySpan<string> rest)
    {
        var path = first;
        foreach (var part in rest)
        {
            if (part.StartsWith('/'))
            {
                path = part;
            }
            else if (path.Length == 0 || path.EndsWith('/'))
            {
                path += part;
            }
            else
            {
                path = path + "/" + part;
            }
        }

        return path;
    }
}
