using Retrain.Errors;
using Retrain.IO;

namespace Retrain.Outputs;

/// <summary>
/// retrain.py defaulted every output to a fixed folder in the shared /tmp (/tmp/output_graph.pb, /tmp/bottleneck, ...),
/// so two users on one machine overwrote each other's work (tensorflow/hub PR #302). The same defaults here live in a
/// per-user folder: /tmp/retrain-&lt;user&gt;/..., created private to its user.
/// </summary>
internal static class DefaultPaths
{
    public static string UserTempRoot { get; } =
        Path.Combine(Path.GetTempPath(), "retrain-" + SafeUserName());

    public static string InTemp(string name) => Path.Combine(UserTempRoot, name);

    /// <summary>True when <paramref name="path"/> lies in <see cref="UserTempRoot"/> (a default output location).</summary>
    public static bool IsInUserTempRoot(string? path) =>
        !string.IsNullOrEmpty(path) &&
        Path.GetFullPath(path).StartsWith(UserTempRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// Creates <paramref name="root"/> readable and writable by its user only (0700), or makes an existing one so. In a
    /// world-writable /tmp anyone can create /tmp/retrain-&lt;you&gt; first: a folder another user owns (its owner can
    /// replace anything written into it, whatever its mode) and a symbolic link (it could point anywhere) are both
    /// refused rather than written into. Ownership decides, not whether chmod works: root can chmod any folder.
    /// </summary>
    /// <exception cref="RetrainException">IO, when the folder is a link or is not this user's.</exception>
    public static void EnsurePrivate(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root); // per-user %TEMP% already
            return;
        }

        var info = new DirectoryInfo(root);
        if (info.LinkTarget is not null)
        {
            throw Refused(root, "it is a symbolic link, which another user could have planted");
        }

        if (File.Exists(root))
        {
            throw Refused(root, "it is a file, not a folder");
        }

        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (!info.Exists)
        {
            Directory.CreateDirectory(root, Private);
            return;
        }

        if (PathInspector.OwnerOf(root) is { } owner && owner != PathInspector.EffectiveUserId)
        {
            throw Refused(root, $"it belongs to another user (uid {owner})");
        }

        try
        {
            if (File.GetUnixFileMode(root) != Private)
            {
                File.SetUnixFileMode(root, Private);
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw Refused(root, "it belongs to another user");
        }
    }

    private static RetrainException Refused(string root, string why) => new(
        ExitCode.IoError,
        $"Cannot use the default output folder '{root}': {why}. Remove it if it is yours to remove, or pass " +
        $"{Flags.OutputGraph}, {Flags.OutputLabels}, {Flags.BottleneckDir} and {Flags.IntermediateOutputGraphsDir} to put everything elsewhere.");

    private static string SafeUserName()
    {
        var name = Environment.UserName;
        return string.IsNullOrWhiteSpace(name)
            ? "user"
            : new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());
    }
}
