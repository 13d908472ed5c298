using System.Text;

namespace Retrain.Data;

/// <summary>
/// Turns a class folder name into its label the way retrain.py's <c>create_image_lists</c> does:
/// <c>re.sub(r'[^a-z0-9]+', ' ', dir_name.lower())</c>. The label is written to the labels file and must match
/// retrain.py's byte for byte, so it is not trimmed and runs collapse to exactly one space.
/// </summary>
internal static class ClassLabel
{
    public static string FromDirectoryName(string directoryName)
    {
        var label = new StringBuilder(directoryName.Length);
        var inSeparatorRun = false;

        void Emit(char lower)
        {
            if (char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower))
            {
                label.Append(lower);
                inSeparatorRun = false;
            }
            else if (!inSeparatorRun)
            {
                label.Append(' ');
                inSeparatorRun = true;
            }
        }

        foreach (var ch in directoryName)
        {
            // Python's str.lower() uses full case mapping, under which only U+0130 (capital I with dot) becomes two
            // characters: 'i' and a combining dot, which the regex then turns into a separator. .NET maps it to 'i' alone.
            if (ch == '\u0130')
            {
                Emit('i');
                Emit('\u0307');
            }
            else
            {
                // Surrogate halves stay non-ASCII, so an astral character becomes one separator, as in Python.
                Emit(char.ToLowerInvariant(ch));
            }
        }

        return label.ToString();
    }
}
