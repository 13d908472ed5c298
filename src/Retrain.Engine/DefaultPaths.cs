namespace Retrain;

/// <summary>
/// retrain.py defaulted every output to a fixed folder in the shared /tmp (/tmp/output_graph.pb, /tmp/bottleneck, ...),
/// so two users on one machine overwrote each other's work (tensorflow/hub PR #302). The same defaults here live in a
/// per-user folder: /tmp/retrain-&lt;user&gt;/....
/// </summary>
public static class DefaultPaths
{
    public static string UserTempRoot { get; } =
        Path.Combine(Path.GetTempPath(), "retrain-" + SafeUserName());

    public static string InTemp(string name) => Path.Combine(UserTempRoot, name);

    private static string SafeUserName()
    {
        var name = Environment.UserName;
        return string.IsNullOrWhiteSpace(name)
            ? "user"
            : new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());
    }
}
