using System.Security.Cryptography;
using System.Text;
using Retrain.Errors;
using Retrain.IO;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// The `&lt;name&gt;.sha256` file beside a downloaded model: the SHA-256 of the archive and of the model file, written
/// after the first successful download because the archives never had published hashes. A later download must produce
/// the same archive, and the cached model file must still match before it is used. The lines are in `sha256sum`'s
/// format with paths relative to the cache root, so `sha256sum -c --ignore-missing inception_v3.sha256` checks it too.
/// </summary>
internal sealed class HashRecord
{
    private readonly Dictionary<string, string> _hashes;

    private HashRecord(string path, Dictionary<string, string> hashes)
    {
        Path = path;
        _hashes = hashes;
    }

    public string Path { get; }

    public bool IsEmpty => _hashes.Count == 0;

    /// <summary>Hex SHA-256 recorded for a file (path relative to the cache root, '/' separators), or null.</summary>
    public string? HashOf(string relativePath) => _hashes.GetValueOrDefault(relativePath);

    public static HashRecord Read(string path)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] lines;
        try
        {
            lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(ExitCode.IoError, $"Cannot read the model hash record '{path}': {e.Message} Check its permissions, or delete it.", e);
        }

        foreach (var line in lines)
        {
            // "<64 hex>  <name>" (text mode) or "<64 hex> *<name>" (binary mode), as sha256sum writes them.
            if (line.Length > 66 && line[64] == ' ' && line[65] is ' ' or '*' && IsHex(line.AsSpan(0, 64)))
            {
                hashes[line[66..]] = line[..64].ToLowerInvariant();
            }
            else if (line.Trim().Length > 0)
            {
                throw new RetrainException(
                    ExitCode.BadModel,
                    $"Model hash record '{path}' is damaged (line '{line}'). Delete it; it is written again on the next download.");
            }
        }

        return new HashRecord(path, hashes);
    }

    public static void Write(string path, IEnumerable<(string RelativePath, string Hash)> entries)
    {
        var text = new StringBuilder();
        foreach (var (relative, hash) in entries)
        {
            text.Append(hash).Append("  ").Append(relative).Append('\n');
        }

        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// Refuses a cached file whose SHA-256 differs from the one <paramref name="recordPath"/> holds for it under
    /// <paramref name="recordedName"/>; a file without a recorded hash (placed by hand, or by tensorflow_hub) passes.
    /// </summary>
    public static void CheckCached(string recordPath, string recordedName, string path, string folder, ILogger log, CancellationToken ct)
    {
        var record = Read(recordPath);
        var expected = record.HashOf(recordedName);
        if (expected is null)
        {
            return;
        }

        var actual = HashFile(path, ct);
        if (actual != expected)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"Cached model file '{path}' has SHA-256 {actual}, not {expected} as recorded in '{record.Path}' when it " +
                $"was downloaded: the file was changed or damaged. Delete the folder '{folder}' to download " +
                $"it again, or delete '{record.Path}' if you replaced the file on purpose.");
        }

        log.Debug("{Path} matches its recorded SHA-256 {Hash}", path, actual);
    }

    /// <summary>Hex SHA-256 of a file's bytes.</summary>
    public static string HashFile(string path, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            hash.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
