using System.Security.Cryptography;
using Xunit;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// The bad-input corpus' witness that a run harmed nothing: the SHA-256 of every file under the given roots (links are
/// recorded by target, not followed), taken before a run and compared after it. Paths under <c>allowed</c> are the
/// run's own outputs and may change; anything else added, removed or changed fails the test by name.
/// </summary>
public sealed class InputSnapshot
{
    private readonly Dictionary<string, string> _files;
    private readonly string[] _roots;

    private InputSnapshot(string[] roots, Dictionary<string, string> files)
    {
        _roots = roots;
        _files = files;
    }

    /// <summary>Records every file and link under <paramref name="roots"/> (files or folders).</summary>
    public static InputSnapshot Take(params string[] roots) => new(roots, Read(roots));

    /// <summary>Fails naming each path under the roots that changed, appeared or vanished, outside <paramref name="allowed"/>.</summary>
    public void AssertUnchanged(params string[] allowed)
    {
        var now = Read(_roots);
        var full = allowed.Select(a => Path.TrimEndingDirectorySeparator(Path.GetFullPath(a))).ToArray();
        bool Allowed(string path) =>
            full.Any(a => path == a || path.StartsWith(a + Path.DirectorySeparatorChar, StringComparison.Ordinal));

        var changed = _files.Keys.Union(now.Keys)
            .Where(p => !Allowed(p))
            .Where(p => !_files.TryGetValue(p, out var before) || !now.TryGetValue(p, out var after) || before != after)
            .Order(StringComparer.Ordinal)
            .Select(p => !now.ContainsKey(p) ? $"removed {p}" : !_files.ContainsKey(p) ? $"added {p}" : $"changed {p}")
            .ToList();
        Assert.True(changed.Count == 0, "Files outside retrain's own outputs changed:\n" + string.Join('\n', changed));
    }

    private static Dictionary<string, string> Read(string[] roots)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var root in roots.Select(Path.GetFullPath))
        {
            if (File.Exists(root) || new FileInfo(root).LinkTarget is not null)
            {
                files[root] = Fingerprint(new FileInfo(root));
            }
            else if (Directory.Exists(root))
            {
                Walk(new DirectoryInfo(root), files);
            }
        }

        return files;
    }

    private static void Walk(DirectoryInfo folder, Dictionary<string, string> files)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo sub && sub.LinkTarget is null)
            {
                files[sub.FullName + Path.DirectorySeparatorChar] = "folder";
                Walk(sub, files);
            }
            else
            {
                files[entry.FullName] = Fingerprint(entry);
            }
        }
    }

    private static string Fingerprint(FileSystemInfo entry)
    {
        if (entry.LinkTarget is { } target)
        {
            return "link -> " + target;
        }

        if ((entry.Attributes & (FileAttributes.Device | FileAttributes.System)) != 0 ||
            (OperatingSystem.IsLinux() && entry is FileInfo f && IsSpecial(f)))
        {
            return "special";
        }

        using var stream = File.OpenRead(entry.FullName);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static bool IsSpecial(FileInfo file) => Retrain.IO.PathInspector.Of(file.FullName) == Retrain.IO.PathKind.Special;
}
