namespace Retrain.IO;

/// <summary>The text of an I/O exception, ready to follow a message that already names the file.</summary>
internal static class IoErrorMessage
{
    /// <summary>
    /// .NET appends " : 'PATH'" to some I/O messages; the caller's message names the file the user knows (the real
    /// one, not a temporary twin), so that suffix goes, and the sentence is closed.
    /// </summary>
    public static string WithoutPath(Exception e, string path)
    {
        ArgumentNullException.ThrowIfNull(e);
        var suffix = $" : '{path}'";
        var text = e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
        return text.EndsWith('.') ? text : text + ".";
    }
}
